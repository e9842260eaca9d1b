import type { SMTPServer } from 'smtp-server';

import type { LocalRecipient } from '../directory/recipients.ts';
import type { InboundDelivery } from '../delivery/inbound.ts';
import { createSmtpServer, messageTooBig, needsSmtpUtf8, toSmtpError, unknownParameter, type ListenerBase } from './listener.ts';
import { readMessage } from './read-message.ts';

/**
 * LMTP (RFC 2033) for an MTA in front of us (Postfix, say): like the MX port but with one reply
 * per recipient after DATA, so one full mailbox does not refuse the others. The MTA has already
 * done the SPF/DKIM work, so the authentication checks are skipped.
 */
export function createLmtpListener(base: ListenerBase, inbound: InboundDelivery): SMTPServer {
  const recipients = new Map<string, LocalRecipient[]>();
  inbound.startInspectionThreads();
  return createSmtpServer(base, {
    lmtp: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
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
      inbound.checkRecipient(address.address, { mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' }).then(
        (recipient) => {
          recipients.set(session.id, [...(recipients.get(session.id) ?? []), recipient]);
          callback();
        },
        (err: unknown) => callback(toSmtpError(err, base.log)),
      );
    },
    onData(stream, session, callback) {
      (async () => {
        const raw = await readMessage(stream, base.maxMessageSize);
        const list = recipients.get(session.id) ?? [];
        // smtp-server repeats an error once per recipient for LMTP (RFC 2033 §4.2).
        if (!raw) throw messageTooBig(base.maxMessageSize);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const envelope = { mailFrom, remoteAddress: session.remoteAddress, helo: session.hostNameAppearsAs, secure: session.secure, authenticated: true, protocol: 'LMTP' as const };
        // Each recipient is its own delivery; the group commit still puts them in one transaction.
        const results = await Promise.allSettled(list.map((recipient) => inbound.receive(raw, envelope, [recipient])));
        return results.map((result, i) =>
          result.status === 'fulfilled' ? `2.0.0 <${list[i].address}> delivered` : toSmtpError(result.reason, base.log),
        );
      })().then(
        (replies) => callback(null, replies as unknown as string),
        (err: unknown) => callback(toSmtpError(err, base.log)),
      );
    },
  });
}
