// Email/set create (RFC 8621 §4.6): a message built from JMAP properties, as webmail composes
// drafts, with nodemailer's MailComposer writing the MIME.
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';

import type { JmapContext } from '../context.ts';
import { readAccountBlob } from '../blob-content.ts';
import { SetFailure, type Args } from './common.ts';
import { readPlacement, storeMessage } from './email-import.ts';

const ADDRESS_FIELDS = ['from', 'to', 'cc', 'bcc', 'replyTo', 'sender'] as const;
const SUPPORTED = new Set([...ADDRESS_FIELDS, 'mailboxIds', 'keywords', 'receivedAt', 'subject', 'sentAt', 'messageId', 'inReplyTo', 'references', 'textBody', 'htmlBody', 'attachments', 'bodyValues']);

/** `header:Name:asText` (RFC 8621 §4.1.3): a header field given as text, e.g. X-Priority or Importance. */
const TEXT_HEADER = /^header:([\x21-\x39\x3b-\x7e]+):asText$/;
/** Header fields MailComposer writes from the properties themselves, which must not come twice. */
const STRUCTURED = new Set(['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition']);

function invalid(property: string, description: string): never {
  throw new SetFailure('invalidProperties', description, [property]);
}

function addresses(object: Args, property: string): Mail.Address[] | undefined {
  const value = object[property];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) invalid(property, `${property} must be an array of EmailAddress`);
  return value.map((a: unknown) => {
    const { name, email } = (a ?? {}) as { name?: unknown; email?: unknown };
    if (typeof email !== 'string' || !email.includes('@') || /[\r\n<>]/.test(email)) invalid(property, `bad address in ${property}`);
    if (name !== undefined && name !== null && typeof name !== 'string') invalid(property, `bad name in ${property}`);
    return { name: typeof name === 'string' ? name : '', address: email };
  });
}

function messageIds(object: Args, property: string): string[] | undefined {
  const value = object[property];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[^\s<>]+$/.test(v))) invalid(property, `${property} must be an array of message ids`);
  return (value as string[]).map((id) => `<${id}>`);
}

/** The text of the one body part `textBody`/`htmlBody` names, from bodyValues. */
function bodyText(object: Args, property: 'textBody' | 'htmlBody'): string | undefined {
  const parts = object[property];
  if (parts === undefined || parts === null) return undefined;
  if (!Array.isArray(parts) || parts.length !== 1) invalid(property, `${property} must hold exactly one part`);
  const { partId, type } = (parts[0] ?? {}) as { partId?: unknown; type?: unknown };
  const expected = property === 'textBody' ? 'text/plain' : 'text/html';
  if (type !== undefined && type !== expected) invalid(property, `${property} must be ${expected}`);
  const values = (object.bodyValues ?? {}) as Record<string, { value?: unknown }>;
  const value = typeof partId === 'string' ? values[partId]?.value : undefined;
  if (typeof value !== 'string') invalid('bodyValues', `no bodyValue for ${property} part ${String(partId)}`);
  return value;
}

/** The extra header fields of a create, in the order given. */
function textHeaders(object: Args): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [property, value] of Object.entries(object)) {
    const name = TEXT_HEADER.exec(property)?.[1];
    if (!name) continue;
    if (STRUCTURED.has(name.toLowerCase())) invalid(property, `${name} is set through its own property, not ${property}`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) invalid(property, `${property} must be a one-line string`);
    out.push({ key: name, value });
  }
  return out;
}

async function attachments(ctx: JmapContext, accountId: number, object: Args): Promise<Mail.Attachment[]> {
  const parts = object.attachments;
  if (parts === undefined || parts === null) return [];
  if (!Array.isArray(parts)) invalid('attachments', 'attachments must be an array');
  const result: Mail.Attachment[] = [];
  for (const part of parts as Args[]) {
    if (typeof part?.blobId !== 'string') invalid('attachments', 'an attachment needs a blobId');
    const content = await readAccountBlob(ctx.services, accountId, part.blobId);
    if (!content) throw new SetFailure('blobNotFound', `no blob ${part.blobId}`, ['attachments']);
    result.push({
      content,
      filename: typeof part.name === 'string' ? part.name : undefined,
      contentType: typeof part.type === 'string' ? part.type : 'application/octet-stream',
      cid: typeof part.cid === 'string' ? part.cid : undefined,
      contentDisposition: part.disposition === 'inline' ? 'inline' : 'attachment',
    });
  }
  return result;
}

function build(options: Mail.Options): Promise<Buffer> {
  const node = new MailComposer(options).compile();
  // A draft keeps its Bcc; it is removed when the message is sent.
  (node as unknown as { keepBcc: boolean }).keepBcc = true;
  return new Promise((resolve, reject) => node.build((err, message) => (err ? reject(err) : resolve(message))));
}

/** Builds the message an Email/set create describes and stores it like an import. */
export async function composeEmail(ctx: JmapContext, accountId: number, object: Args, createdIds: Map<string, string>): Promise<{ id: string; blobId: string; threadId: string; size: number }> {
  const unsupported = Object.keys(object).filter((k) => !SUPPORTED.has(k) && !TEXT_HEADER.test(k));
  if (unsupported.length > 0) throw new SetFailure('invalidProperties', `cannot create an email with ${unsupported.join(', ')}`, unsupported);
  const placement = readPlacement(object, createdIds);
  const [from, to, cc, bcc, replyTo, sender] = ADDRESS_FIELDS.map((f) => addresses(object, f));
  if (object.subject !== undefined && object.subject !== null && typeof object.subject !== 'string') invalid('subject', 'subject must be a string');
  let date: Date | undefined;
  if (object.sentAt !== undefined && object.sentAt !== null) {
    date = typeof object.sentAt === 'string' ? new Date(object.sentAt) : new Date(NaN);
    if (Number.isNaN(date.getTime())) invalid('sentAt', 'sentAt must be a Date');
  }
  const ids = messageIds(object, 'messageId');
  if (ids && ids.length !== 1) invalid('messageId', 'an email has one Message-ID');
  const raw = await build({
    from: from?.[0],
    sender: sender?.[0],
    to,
    cc,
    bcc,
    replyTo,
    subject: typeof object.subject === 'string' ? object.subject : undefined,
    date: date ?? new Date(),
    messageId: ids?.[0],
    inReplyTo: messageIds(object, 'inReplyTo')?.join(' '),
    references: messageIds(object, 'references'),
    text: bodyText(object, 'textBody'),
    html: bodyText(object, 'htmlBody'),
    attachments: await attachments(ctx, accountId, object),
    headers: textHeaders(object),
  });
  return storeMessage(ctx, accountId, raw, placement);
}
