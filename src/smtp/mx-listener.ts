import type { SMTPServer, SMTPServerSession } from 'smtp-server';

import type { LocalRecipient } from '../directory/recipients.ts';
import type { InboundDelivery } from '../delivery/inbound.ts';
import { createSmtpServer, messageTooBig, needsSmtpUtf8, toSmtpError, unknownParameter, type ListenerBase } from './listener.ts';
import { readMessage } from './read-message.ts';
import { SmtpReply } from './replies.ts';

/**
 * Port 25's job: mail from the world for our domains. No AUTH here (that is submission's), no
 * relaying; recipients are checked at RCPT and the 250 after DATA means committed to disk.
 */
export function createMxListener(base: ListenerBase & { maxRecipients: number }, inbound: InboundDelivery): SMTPServer {
  const recipients = new Map<string, LocalRecipient[]>();
  inbound.startInspectionThreads();
  const server = createSmtpServer(base, {
    authOptional: true,
    disabledCommands: ['AUTH'],
    onClose(session) {
      recipients.delete(session.id);
    },
    onMailFrom(address, session, callback) {
      const refusal = unknownParameter(address.args, 'MAIL') ?? needsSmtpUtf8(address.address, address);
      if (refusal) return callback(refusal);
      recipients.set(session.id, []);
      callback();
    },
    onRcptTo(address, session, callback) {
      const refusal = unknownParameter(address.args, 'RCPT') ?? needsSmtpUtf8(address.address, session.envelope.mailFrom);
      if (refusal) return callback(refusal);
      const list = recipients.get(session.id) ?? [];
      if (list.length >= base.maxRecipients) return callback(new SmtpReply(452, '4.5.3', 'too many recipients'));
      const declared = session.envelope.mailFrom && session.envelope.mailFrom.args ? Number(session.envelope.mailFrom.args.SIZE) || undefined : undefined;
      inbound.checkRecipient(address.address, { declaredSize: declared, mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' }).then(
        (recipient) => {
          if (!list.some((r) => r.principalId === recipient.principalId)) list.push(recipient);
          recipients.set(session.id, list);
          callback();
        },
        (err: unknown) => callback(toSmtpError(err, base.log)),
      );
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(toSmtpError(err, base.log)),
      );
    },
  });

  async function receive(stream: Parameters<NonNullable<Parameters<typeof createSmtpServer>[1]['onData']>>[0], session: SMTPServerSession): Promise<string> {
    const raw = await readMessage(stream, base.maxMessageSize);
    if (!raw) throw messageTooBig(base.maxMessageSize);
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    await inbound.receive(
      raw,
      { mailFrom, remoteAddress: session.remoteAddress, remoteHostname: session.clientHostname, helo: session.hostNameAppearsAs, secure: session.secure, authenticated: false, protocol: 'SMTP' },
      recipients.get(session.id) ?? [],
    );
    return '2.0.0 message accepted for delivery';
  }

  return server;
}
