import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';

import type { TlsMaterial } from './tls-certificate.ts';
import { DeliveryRefused } from '../delivery/inbound.ts';
import { installEnhancedCodePassThrough, SmtpReply } from './replies.ts';

export interface ListenerBase {
  hostname: string;
  tls: TlsMaterial;
  maxMessageSize: number;
  log: (line: string) => void;
}

/** Options every SMTP-family listener shares: our name, TLS, the size limit, no library logging. */
export function createSmtpServer(base: ListenerBase, options: SMTPServerOptions): SMTPServer {
  installEnhancedCodePassThrough();
  const server = new SMTPServer({
    name: base.hostname,
    banner: 'Petrel',
    key: base.tls.key,
    cert: base.tls.cert,
    size: base.maxMessageSize,
    // Without this smtp-server answers our onData result even for a message it cut off at the
    // limit, and a 250 there would tell the client a message we never stored was delivered.
    rejectOversized: true,
    logger: false,
    // RFC 2034 enhanced codes on every reply and RFC 3461 DSN parameters, both off by default in smtp-server.
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    // Clients that pipeline their whole transaction (RFC 2920) must not trip the limit on
    // commands before authentication; 10 is smtp-server's default and too few for EHLO+STARTTLS+EHLO+AUTH+retries.
    maxAllowedUnauthenticatedCommands: 20,
    // On shutdown, sessions still open after this are cut; their uncommitted messages were never acknowledged.
    closeTimeout: 2000,
    ...options,
  });
  server.on('error', (err) => base.log(`smtp: ${err.message}`));
  return server;
}

/** What we advertise in EHLO (SIZE, 8BITMIME, SMTPUTF8, DSN, AUTH) may appear as a parameter; nothing else. */
const KNOWN_PARAMETERS = {
  MAIL: new Set(['SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH']),
  RCPT: new Set(['NOTIFY', 'ORCPT']),
};

/**
 * RFC 5321 §4.1.1.11: a MAIL or RCPT parameter the server does not implement is answered with
 * 555, not silently ignored (smtp-server passes unknown ones through to us).
 */
export function unknownParameter(args: Record<string, unknown> | false | undefined, command: 'MAIL' | 'RCPT'): SmtpReply | null {
  const unknown = Object.keys(args || {}).find((key) => !KNOWN_PARAMETERS[command].has(key.toUpperCase()));
  return unknown === undefined ? null : new SmtpReply(555, '5.5.4', `${command} parameter ${unknown} not recognized`);
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * RFC 6531 §3.4: a non-ASCII address may appear only in a transaction whose MAIL FROM (the one
 * being given, or the transaction's) carried SMTPUTF8; otherwise it is refused with 553 5.6.7.
 */
export function needsSmtpUtf8(address: string, mailFrom: SMTPServerAddress | false | undefined): SmtpReply | null {
  if (!NON_ASCII.test(address) || (mailFrom && mailFrom.args && mailFrom.args.SMTPUTF8 === true)) return null;
  return new SmtpReply(553, '5.6.7', `<${address}>: non-ASCII address without SMTPUTF8`);
}

/** The reply to a message over the size limit (RFC 1870 §6.3). */
export function messageTooBig(maxSize: number): SmtpReply {
  return new SmtpReply(552, '5.3.4', `message exceeds the maximum size of ${maxSize} bytes`);
}

/** Turns what our services throw into the SMTP reply; anything unexpected is a temporary local error, logged. */
export function toSmtpError(err: unknown, log: (line: string) => void): Error {
  if (err instanceof SmtpReply) return err;
  if (err instanceof DeliveryRefused) return new SmtpReply(err.code, err.enhanced, err.message);
  log(`smtp: internal error: ${(err as Error).stack ?? String(err)}`);
  return new SmtpReply(451, '4.3.0', 'local error in processing, please try again later');
}

export function listen(server: SMTPServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(port, host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
}

export function close(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
