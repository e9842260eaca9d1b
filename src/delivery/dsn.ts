import { randomBytes, randomUUID } from 'node:crypto';

import { encode as encodeQp, wrap as wrapQp } from 'nodemailer/lib/qp';

/** RFC 3464 §2.3.3. "expanded" is not produced: we do not report on list expansion. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

export interface DsnRecipient {
  /** The address delivery was attempted to (Final-Recipient, RFC 3464 §2.3.2). */
  recipient: string;
  /** ORCPT as received, e.g. "rfc822;user@example.org" (RFC 3461 §4.2); echoed as Original-Recipient. */
  orcpt?: string;
  action: DsnAction;
  /** RFC 3463 status code, e.g. "5.1.1". */
  status: string;
  /** Host name of the server that gave the verdict (Remote-MTA, RFC 3464 §2.3.5). */
  remoteMta?: string;
  /** That server's reply, e.g. "550 5.1.1 No such user" (Diagnostic-Code: smtp; …, RFC 3464 §2.3.6). */
  smtpReply?: string;
  /** What went wrong on our side when there is no reply (connection refused, no MX…). */
  reason?: string;
  lastAttemptDate?: Date;
  /** Only for "delayed" (RFC 3464 §2.3.9): when we give up. */
  willRetryUntil?: Date;
}

export interface DsnOptions {
  /** Our host name: Reporting-MTA and the MAILER-DAEMON address. */
  reportingMta: string;
  /** The original envelope sender, who gets the report. */
  to: string;
  /** When we accepted the original message. */
  arrivalDate: Date;
  /** ENVID of the original transaction (RFC 3461 §4.4), echoed as Original-Envelope-Id. */
  envid?: string;
  /** RET of the original transaction (RFC 3461 §4.3). */
  ret?: 'FULL' | 'HDRS';
  original: Buffer;
  recipients: DsnRecipient[];
  now?: Date;
  /** A larger original is returned as headers only; default 100 KiB (Exim's return_size_limit). */
  maxReturnBytes?: number;
}

export interface Dsn {
  /** Always empty: a DSN is sent with MAIL FROM:<> so it can never cause another one (RFC 3461 §6.1, RFC 5321 §4.5.5). */
  sender: '';
  recipient: string;
  messageId: string;
  message: Buffer;
}

const CRLF = '\r\n';
const NON_ASCII = /[^\x00-\x7f]/;
const DEFAULT_MAX_RETURN_BYTES = 100 * 1024;

/** Builds a multipart/report delivery status notification (RFC 3464, RFC 6522) for failures, delays or successes. */
export function buildDsn(opts: DsnOptions): Dsn {
  if (!opts.to) throw new Error('a DSN is never sent for a message with the null sender (RFC 3461 §6.1)');
  if (opts.recipients.length === 0) throw new Error('a DSN needs at least one recipient');
  const now = opts.now ?? new Date();
  const messageId = `<${randomUUID()}@${opts.reportingMta}>`;
  const boundary = `=_petrel_report_${randomBytes(12).toString('hex')}`;
  const failed = opts.recipients.some((r) => r.action === 'failed');
  const delayed = opts.recipients.some((r) => r.action === 'delayed');

  const original = toCrlf(opts.original);
  const headerEnd = original.indexOf(CRLF + CRLF);
  const headers = headerEnd >= 0 ? original.subarray(0, headerEnd + 2) : original;
  const originalId = /^message-id:\s*(<[^>\s]+>)/im.exec(unfold(headers.toString('latin1')))?.[1];

  const top = [
    field('From', `Mail Delivery System <MAILER-DAEMON@${opts.reportingMta}>`),
    field('To', `<${opts.to}>`),
    field('Subject', failed ? 'Undelivered Mail Returned to Sender' : delayed ? 'Delayed Mail (still being retried)' : 'Successful Mail Delivery Report'),
    field('Date', rfc5322Date(now)),
    field('Message-ID', messageId),
    // Lets the sender's client show the report beside the message it is about.
    ...(originalId ? [field('In-Reply-To', originalId), field('References', originalId)] : []),
    // RFC 3834 §5: an automatic response; auto-responders must not answer it.
    field('Auto-Submitted', 'auto-replied'),
    field('MIME-Version', '1.0'),
    field('Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`),
  ];

  const text = humanReadable(opts);
  const textPart = NON_ASCII.test(text)
    ? [field('Content-Type', 'text/plain; charset=utf-8'), field('Content-Transfer-Encoding', 'quoted-printable'), '', wrapQp(encodeQp(text), 76)]
    : [field('Content-Type', 'text/plain; charset=us-ascii'), '', text];

  const status = deliveryStatus(opts);
  // RFC 6533 §6: UTF-8 addresses need the "global" status type, which may carry 8-bit text.
  const statusPart = [field('Content-Type', NON_ASCII.test(status) ? 'message/global-delivery-status' : 'message/delivery-status'), '', status];

  // RFC 3461 §4.3: RET=FULL only applies to failures; other reports, and oversized messages, return the headers.
  const returnFull = opts.ret !== 'HDRS' && failed && original.length <= (opts.maxReturnBytes ?? DEFAULT_MAX_RETURN_BYTES);
  const returned = returnFull ? original : headers;
  // RFC 6532 §3.7 / RFC 6533 §6.3: a message with UTF-8 header fields travels as message/global(-headers).
  const utf8Headers = NON_ASCII.test(headers.toString('latin1'));
  const returnType = returnFull ? (utf8Headers ? 'message/global' : 'message/rfc822') : utf8Headers ? 'message/global-headers' : 'text/rfc822-headers';
  // RFC 2046 §5.2.1: message/rfc822 may only be 7bit, 8bit or binary, so the content is left as it was.
  const returnHead = [field('Content-Type', returnType), field('Content-Transfer-Encoding', NON_ASCII.test(returned.toString('latin1')) ? '8bit' : '7bit'), ''];

  const head = [
    ...top,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    `--${boundary}`,
    ...textPart,
    `--${boundary}`,
    ...statusPart,
    `--${boundary}`,
    ...returnHead,
    '',
  ].join(CRLF);
  const tail = `${endsWithCrlf(returned) ? '' : CRLF}--${boundary}--${CRLF}`;
  return { sender: '', recipient: opts.to, messageId, message: Buffer.concat([Buffer.from(head, 'utf8'), returned, Buffer.from(tail)]) };
}

function humanReadable(opts: DsnOptions): string {
  const lines = [`This is the mail system at ${opts.reportingMta}.`, ''];
  const groups: [DsnAction, string][] = [
    ['failed', 'Your message could not be delivered to the following recipients. This is a permanent error; the message will not be retried.'],
    ['delayed', 'Your message has not been delivered yet to the following recipients. Delivery will be retried; you do not need to send it again.'],
    ['delivered', 'Your message was delivered to the following recipients.'],
    ['relayed', 'Your message was passed on to a mail system that does not send delivery notifications, so you will hear no more about these recipients.'],
  ];
  for (const [action, intro] of groups) {
    const recipients = opts.recipients.filter((r) => r.action === action);
    if (recipients.length === 0) continue;
    lines.push(intro, '');
    for (const r of recipients) {
      const why = r.smtpReply ? `${r.remoteMta ? `${r.remoteMta} said: ` : ''}${r.smtpReply}` : r.reason ?? r.status;
      lines.push(`  <${r.recipient}>: ${oneLine(why)}`);
      if (r.willRetryUntil && action === 'delayed') lines.push(`    (will be retried until ${rfc5322Date(r.willRetryUntil)})`);
    }
    lines.push('');
  }
  lines.push('The technical report and the original message (or its header) are attached.', '');
  return lines.join(CRLF);
}

/** The message/delivery-status body: per-message fields, then one block per recipient (RFC 3464 §2.1). */
function deliveryStatus(opts: DsnOptions): string {
  const blocks = [
    [
      field('Reporting-MTA', `dns; ${opts.reportingMta}`),
      ...(opts.envid ? [field('Original-Envelope-Id', opts.envid)] : []),
      field('Arrival-Date', rfc5322Date(opts.arrivalDate)),
    ],
    ...opts.recipients.map((r) => [
      ...(r.orcpt ? [field('Original-Recipient', r.orcpt)] : []),
      field('Final-Recipient', `${addressType(r.recipient)}; ${r.recipient}`),
      field('Action', r.action),
      field('Status', r.status),
      ...(r.remoteMta ? [field('Remote-MTA', `dns; ${r.remoteMta}`)] : []),
      ...(r.smtpReply ? [field('Diagnostic-Code', `smtp; ${r.smtpReply}`)] : r.reason ? [field('Diagnostic-Code', `X-Petrel; ${r.reason}`)] : []),
      ...(r.lastAttemptDate ? [field('Last-Attempt-Date', rfc5322Date(r.lastAttemptDate))] : []),
      ...(r.willRetryUntil && r.action === 'delayed' ? [field('Will-Retry-Until', rfc5322Date(r.willRetryUntil))] : []),
    ]),
  ];
  return blocks.map((lines) => lines.join(CRLF) + CRLF).join(CRLF);
}

/** RFC 6533 §3: "utf-8" address type for internationalized addresses, "rfc822" otherwise. */
function addressType(address: string): string {
  return NON_ASCII.test(address) ? 'utf-8' : 'rfc822';
}

/** One header field, folded at spaces to stay near 78 characters (RFC 5322 §2.2.3). */
function field(name: string, value: string): string {
  const words = oneLine(value).split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78 && line.length > name.length + 1) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+\s*/g, ' ').trim();
}

function unfold(headers: string): string {
  return headers.replace(/\r\n(?=[ \t])/g, '');
}

function rfc5322Date(date: Date): string {
  // toUTCString gives "Sun, 23 Nov 2025 12:44:00 GMT"; RFC 5322 §3.3 prefers a numeric zone.
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The original goes inside our CRLF message, so its line ends must be CRLF too (RFC 5322 §2.1). */
function toCrlf(message: Buffer): Buffer {
  return Buffer.from(message.toString('latin1').replace(/\r?\n/g, CRLF), 'latin1');
}

function endsWithCrlf(buffer: Buffer): boolean {
  return buffer.length >= 2 && buffer[buffer.length - 2] === 0x0d && buffer[buffer.length - 1] === 0x0a;
}
