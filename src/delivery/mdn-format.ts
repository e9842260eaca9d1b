// Message Disposition Notifications (RFC 8098) as bytes: the multipart/report a reader's client
// sends back to a Disposition-Notification-To address, and the fields read back out of one.
// Pure: no store, no clock beyond the boundary's randomness.
import { randomBytes } from 'node:crypto';

import { decodePartBody, parseMessage, walkParts } from '../mail/mime/index.ts';

/** RFC 8098 §3.2.6 disposition-field: action mode / sending mode; type. */
export interface MdnDisposition {
  actionMode: 'manual-action' | 'automatic-action';
  sendingMode: 'mdn-sent-manually' | 'mdn-sent-automatically';
  type: 'deleted' | 'dispatched' | 'displayed' | 'processed';
}

/** The fields of an MDN, named as RFC 9007 §2 names them. */
export interface MdnFields {
  reportingUA: string | null;
  mdnGateway: string | null;
  originalRecipient: string | null;
  finalRecipient: string | null;
  originalMessageId: string | null;
  disposition: MdnDisposition;
  error: string[] | null;
  extensionFields: Record<string, string> | null;
}

export interface MdnMessage extends MdnFields {
  from: string;
  to: string;
  subject: string;
  textBody: string;
  /** The original's header block, or (includeOriginalMessage) the whole original. */
  original: { raw: Buffer; whole: boolean } | null;
}

const ACTION_MODES = ['manual-action', 'automatic-action'];
const SENDING_MODES = ['mdn-sent-manually', 'mdn-sent-automatically'];
const TYPES = ['deleted', 'dispatched', 'displayed', 'processed'];

// A field value on one line: folding or a bare CR/LF would start a field of the reader's choosing.
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/** RFC 2047 encoded-word for a Subject that is not plain ASCII. */
function subjectField(subject: string): string {
  const line = oneLine(subject);
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

/** An address-type value (RFC 8098 §3.2.3): "rfc822; user@example.com" unless it names its type already. */
function typed(address: string): string {
  return address.includes(';') ? oneLine(address) : `rfc822; ${oneLine(address)}`;
}

/** The message/disposition-notification body (RFC 8098 §3.1). */
function notificationFields(mdn: MdnFields): string {
  const lines: string[] = [];
  if (mdn.reportingUA) lines.push(`Reporting-UA: ${oneLine(mdn.reportingUA)}`);
  if (mdn.mdnGateway) lines.push(`MDN-Gateway: ${typed(mdn.mdnGateway)}`);
  if (mdn.originalRecipient) lines.push(`Original-Recipient: ${typed(mdn.originalRecipient)}`);
  if (mdn.finalRecipient) lines.push(`Final-Recipient: ${typed(mdn.finalRecipient)}`);
  if (mdn.originalMessageId) lines.push(`Original-Message-ID: ${oneLine(mdn.originalMessageId)}`);
  const d = mdn.disposition;
  lines.push(`Disposition: ${d.actionMode}/${d.sendingMode}; ${d.type}`);
  for (const error of mdn.error ?? []) lines.push(`Error: ${oneLine(error)}`);
  for (const [name, value] of Object.entries(mdn.extensionFields ?? {})) lines.push(`${name}: ${oneLine(value)}`);
  return lines.join('\r\n') + '\r\n';
}

/**
 * The MDN as a message (RFC 8098 §3): multipart/report with report-type disposition-notification,
 * a human-readable part, the machine-readable part, and the original's header (text/rfc822-headers)
 * or the whole original (message/rfc822). Automatic MDNs say so in Auto-Submitted (RFC 3834 §5).
 */
export function buildMdn(mdn: MdnMessage): Buffer {
  const boundary = `mdn-${randomBytes(12).toString('hex')}`;
  const header = [
    `From: ${oneLine(mdn.from)}`,
    `To: ${oneLine(mdn.to)}`,
    `Subject: ${subjectField(mdn.subject)}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    ...(mdn.disposition.sendingMode === 'mdn-sent-automatically' ? ['Auto-Submitted: auto-replied'] : []),
  ];
  const text = mdn.textBody.replace(/\r?\n/g, '\r\n');
  const parts = [
    `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}${text.endsWith('\r\n') ? '' : '\r\n'}`,
    `Content-Type: message/disposition-notification\r\n\r\n${notificationFields(mdn)}`,
  ];
  const chunks: Buffer[] = [Buffer.from(`${header.join('\r\n')}\r\n\r\n`), ...parts.map((p) => Buffer.from(`--${boundary}\r\n${p}`))];
  if (mdn.original) {
    const type = mdn.original.whole ? 'message/rfc822' : 'text/rfc822-headers';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n\r\n`), mdn.original.raw, Buffer.from(mdn.original.raw.subarray(-2).toString() === '\r\n' ? '' : '\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Header-like fields (RFC 5322 syntax, folded lines joined), in order, names as written. */
function fieldsOf(text: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1][1] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  return fields;
}

/** RFC 8098 §3.2.6 disposition-field: "manual-action/MDN-sent-manually; displayed" (modifiers ignored). */
function parseDisposition(value: string): MdnDisposition | null {
  const match = /^\s*([\w-]+)\s*\/\s*([\w-]+)\s*;\s*([\w-]+)/.exec(value);
  if (!match) return null;
  const [actionMode, sendingMode, type] = [match[1], match[2], match[3]].map((s) => s.toLowerCase());
  if (!ACTION_MODES.includes(actionMode) || !SENDING_MODES.includes(sendingMode) || !TYPES.includes(type)) return null;
  return { actionMode, sendingMode, type } as MdnDisposition;
}

const KNOWN = new Set(['reporting-ua', 'mdn-gateway', 'original-recipient', 'final-recipient', 'original-message-id', 'disposition', 'error']);

/**
 * The MDN fields of a message, if it is one (RFC 8098 §3: a message/disposition-notification part
 * with a valid Disposition); its subject and text part too. Null for anything else.
 */
export function parseMdn(raw: Buffer): (MdnFields & { subject: string | null; textBody: string | null; includeOriginalMessage: boolean }) | null {
  const parsed = parseMessage(raw);
  const found: { notification: string | null; textBody: string | null; includeOriginalMessage: boolean } = { notification: null, textBody: null, includeOriginalMessage: false };
  walkParts(parsed.body, (part) => {
    const type = `${part.type}/${part.subtype}`;
    if (type === 'message/disposition-notification' && found.notification === null) found.notification = decodePartBody(raw, part).toString('utf8');
    else if (type === 'text/plain' && found.textBody === null) found.textBody = decodePartBody(raw, part).toString('utf8');
    else if (type === 'message/rfc822') found.includeOriginalMessage = true;
  });
  if (found.notification === null) return null;
  const { textBody, includeOriginalMessage } = found;
  const fields = fieldsOf(found.notification);
  const first = (name: string) => fields.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
  const disposition = parseDisposition(first('disposition') ?? '');
  if (!disposition) return null;
  const errors = fields.filter(([n]) => n.toLowerCase() === 'error').map(([, v]) => v);
  const extensions = fields.filter(([n]) => !KNOWN.has(n.toLowerCase()));
  return {
    subject: parsed.subject || null,
    textBody,
    includeOriginalMessage,
    reportingUA: first('reporting-ua'),
    mdnGateway: first('mdn-gateway'),
    originalRecipient: first('original-recipient'),
    finalRecipient: first('final-recipient'),
    originalMessageId: first('original-message-id'),
    disposition,
    error: errors.length > 0 ? errors : null,
    extensionFields: extensions.length > 0 ? Object.fromEntries(extensions) : null,
  };
}
