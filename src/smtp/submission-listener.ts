import type { SMTPServer } from 'smtp-server';

import type { SubmissionService } from '../delivery/submission.ts';
import type { QueuedRecipient } from '../delivery/outbound-queue.ts';
import type { Principal } from '../store/schema.ts';
import type { LoginContext } from '../directory/audit.ts';
import type { MessageRouter } from '../delivery/router.ts';
import { createSmtpServer, isLoopback, messageTooBig, needsSmtpUtf8, toSmtpError, unknownParameter, type ListenerBase } from './listener.ts';
import { readMessage } from './read-message.ts';
import { SmtpReply } from './replies.ts';

export interface SubmissionListenerOptions extends ListenerBase {
  /** Port 465: TLS from the first byte (RFC 8314); otherwise STARTTLS on 587. */
  implicitTls: boolean;
  allowInsecureAuth: boolean;
  maxRecipients: number;
}

/**
 * Ports 587 and 465: our users sending mail. Every transaction needs AUTH, which is only taken
 * over TLS or from loopback unless the admin allows otherwise.
 */
export function createSubmissionListener(options: SubmissionListenerOptions, deps: { authenticate: (login: string, password: string, context?: LoginContext) => Promise<Principal | null>; submission: SubmissionService; router: MessageRouter }): SMTPServer {
  const users = new Map<string, Principal>();
  const recipients = new Map<string, QueuedRecipient[]>();
  return createSmtpServer(options, {
    secure: options.implicitTls,
    authMethods: ['PLAIN', 'LOGIN'],
    // smtp-server would hide AUTH until STARTTLS; we decide per connection in onAuth instead,
    // because loopback clients may log in without TLS.
    allowInsecureAuth: true,
    onClose(session) {
      users.delete(session.id);
      recipients.delete(session.id);
    },
    onAuth(auth, session, callback) {
      if (!session.secure && !options.allowInsecureAuth && !isLoopback(session.remoteAddress)) {
        return callback(new SmtpReply(538, '5.7.11', 'encryption required: use STARTTLS first'));
      }
      deps.authenticate(auth.username ?? '', auth.password ?? '', { protocol: 'submission', remoteAddress: session.remoteAddress }).then(
        (principal) => {
          if (!principal) return callback(new SmtpReply(535, '5.7.8', 'authentication failed'));
          users.set(session.id, principal);
          callback(null, { user: principal.login });
        },
        (err: unknown) => callback(toSmtpError(err, options.log)),
      );
    },
    onMailFrom(address, session, callback) {
      const principal = users.get(session.id);
      if (!principal) return callback(new SmtpReply(530, '5.7.0', 'authentication required'));
      const refusal = unknownParameter(address.args, 'MAIL') ?? needsSmtpUtf8(address.address, address);
      if (refusal) return callback(refusal);
      recipients.set(session.id, []);
      deps.submission.checkSender(principal, address.address).then(
        () => callback(),
        (err: unknown) => callback(toSmtpError(err, options.log)),
      );
    },
    onRcptTo(address, session, callback) {
      const refusal = unknownParameter(address.args, 'RCPT') ?? needsSmtpUtf8(address.address, session.envelope.mailFrom);
      if (refusal) return callback(refusal);
      const list = recipients.get(session.id) ?? [];
      if (list.length >= options.maxRecipients) return callback(new SmtpReply(452, '4.5.3', 'too many recipients'));
      // Unknown addresses in our own domains are refused now rather than bounced later.
      const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      deps.router.split([{ address: address.address }], sender).then(
        () => {
          list.push({ address: address.address, notify: address.dsn?.notify?.join(',') ?? null, orcpt: address.dsn?.orcpt ?? null });
          recipients.set(session.id, list);
          callback();
        },
        (err: unknown) => callback(toSmtpError(err, options.log)),
      );
    },
    onData(stream, session, callback) {
      const principal = users.get(session.id);
      (async () => {
        const raw = await readMessage(stream, options.maxMessageSize);
        if (!raw) throw messageTooBig(options.maxMessageSize);
        if (!principal || !session.envelope.mailFrom) throw new SmtpReply(530, '5.7.0', 'authentication required');
        const ret = session.envelope.dsn?.ret;
        await deps.submission.submit(
          principal,
          {
            mailFrom: session.envelope.mailFrom.address,
            recipients: recipients.get(session.id) ?? [],
            envelopeId: session.envelope.dsn?.envid ?? null,
            ret: ret === 'FULL' || ret === 'HDRS' ? ret : null,
            client: { remoteAddress: session.remoteAddress, helo: session.hostNameAppearsAs, secure: session.secure },
          },
          raw,
        );
        return '2.0.0 message accepted';
      })().then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(toSmtpError(err, options.log)),
      );
    },
  });
}
