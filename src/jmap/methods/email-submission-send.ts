// Sending one EmailSubmission (RFC 8621 §7.5 create) through the SMTP submission path
// (delivery/submission.ts): the same From: and MAIL FROM rules, DKIM, local delivery, Sent copy
// and outbound queue.
import { resolveRecipient } from '../../directory/recipients.ts';
import { listIdentities, senderPrincipal, sendableFrom } from '../../directory/identities.ts';
import { DeliveryRefused } from '../../delivery/inbound.ts';
import { parseMessage } from '../../mail/mime/index.ts';
import { parseEmailObjectId, threadObjectId } from '../../mail/object-ids.ts';
import type { JmapContext } from '../context.ts';
import { resolveCreationRef, SetFailure, type Args } from './common.ts';
import { loadEmail } from './email-writes.ts';

export interface SubmissionEnvelopeValue {
  mailFrom: { email: string; parameters: Record<string, string | null> | null };
  rcptTo: { email: string; parameters: Record<string, string | null> | null }[];
}

export interface SentSubmission {
  identityId: string;
  emailId: string;
  threadId: string;
  envelope: SubmissionEnvelopeValue;
  sendAt: number;
  deliveryStatus: Record<string, { smtpReply: string; delivered: 'queued' | 'yes'; displayed: 'unknown' }>;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function readEnvelope(value: unknown): SubmissionEnvelopeValue {
  const bad = () => new SetFailure('invalidProperties', 'envelope must be {mailFrom: Address, rcptTo: Address[]}', ['envelope']);
  if (typeof value !== 'object' || value === null) throw bad();
  const { mailFrom, rcptTo } = value as Args;
  const address = (a: unknown) => {
    if (typeof a !== 'object' || a === null || typeof (a as Args).email !== 'string') throw bad();
    const email = (a as Args).email as string;
    if (email !== '' && !ADDRESS.test(email)) throw new SetFailure('invalidProperties', `${email} is not an email address`, ['envelope']);
    return { email, parameters: null };
  };
  if (!Array.isArray(rcptTo)) throw bad();
  return { mailFrom: address(mailFrom), rcptTo: rcptTo.map(address) };
}

/** RFC 8621 §7: without an envelope, MAIL FROM is the Sender (else From) address and RCPT TO every To, Cc and Bcc address, once. */
function envelopeFromMessage(identityEmail: string, parsed: ReturnType<typeof parseMessage>): SubmissionEnvelopeValue {
  const [first] = parsed.envelope.sender.length > 0 ? parsed.envelope.sender : parsed.envelope.from;
  const rcpt = new Map<string, string>();
  for (const a of [...parsed.envelope.to, ...parsed.envelope.cc, ...parsed.envelope.bcc]) if (a.address) rcpt.set(a.address.toLowerCase(), a.address);
  return { mailFrom: { email: first?.address || identityEmail, parameters: null }, rcptTo: [...rcpt.values()].map((email) => ({ email, parameters: null })) };
}

/** Bcc recipients get the message by the envelope only: the field itself is not sent (RFC 5322 §3.6.3). */
function withoutBcc(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const headerEnd = end === -1 ? raw.length : end + 2;
  const fields: string[] = [];
  for (const line of raw.subarray(0, headerEnd).toString('latin1').split(/(?<=\n)/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  const kept = fields.filter((f) => !/^bcc[ \t]*:/i.test(f));
  return kept.length === fields.length ? raw : Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerEnd)]);
}

/** Checks and sends one submission; SetFailures say why not (RFC 8621 §7.5 SetErrors). */
export async function sendSubmission(ctx: JmapContext, accountId: number, object: Args, createdIds: Map<string, string>): Promise<SentSubmission> {
  const db = ctx.services.store.db;
  for (const key of Object.keys(object)) {
    if (!['identityId', 'emailId', 'envelope', 'undoStatus'].includes(key)) throw new SetFailure('invalidProperties', `${key} cannot be set`, [key]);
  }
  if (object.undoStatus !== undefined && object.undoStatus !== 'final') throw new SetFailure('invalidProperties', 'submissions are sent at once, so undoStatus can only be final', ['undoStatus']);
  if (typeof object.identityId !== 'string') throw new SetFailure('invalidProperties', 'identityId is required', ['identityId']);
  if (typeof object.emailId !== 'string') throw new SetFailure('invalidProperties', 'emailId is required', ['emailId']);
  const identityId = resolveCreationRef(object.identityId, createdIds) ?? object.identityId;
  const identity = (await listIdentities(db, accountId)).find((i) => i.id === identityId);
  if (!identity) throw new SetFailure('invalidProperties', `no identity ${object.identityId}`, ['identityId']);
  const emailId = resolveCreationRef(object.emailId, createdIds) ?? object.emailId;
  const messageId = parseEmailObjectId(emailId);
  if (messageId === null) throw new SetFailure('invalidProperties', `no email ${object.emailId}`, ['emailId']);
  const record = await loadEmail(ctx, accountId, messageId).catch((err: unknown) => {
    throw err instanceof SetFailure ? new SetFailure('invalidProperties', `no email ${object.emailId}`, ['emailId']) : err;
  });
  const raw = await ctx.services.store.blobs.read(record.blobHash);
  const parsed = parseMessage(raw);
  const envelope = object.envelope === undefined || object.envelope === null ? envelopeFromMessage(identity.email, parsed) : readEnvelope(object.envelope);

  // The rights are checked here too, to answer with the SetError RFC 8621 §7.5 names for each.
  const sendable = await sendableFrom(db, accountId);
  const from = parsed.envelope.from.map((a) => a.address.toLowerCase());
  if (from.length === 0 || from.some((a) => !sendable.has(a))) throw new SetFailure('forbiddenFrom', `you may not send with From: ${from.join(', ') || '(none)'}`);
  if (!sendable.has(envelope.mailFrom.email.toLowerCase())) throw new SetFailure('forbiddenMailFrom', `you may not use ${envelope.mailFrom.email} as the envelope sender`);
  if (envelope.rcptTo.length === 0) throw new SetFailure('noRecipients', 'the message has no recipients');

  const principal = await senderPrincipal(db, accountId);
  const sendAt = Date.now();
  try {
    await ctx.services.submission.submit(
      principal,
      // The Received field names the JMAP API as the "client"; the HTTP peer's address is not known here.
      { mailFrom: envelope.mailFrom.email, recipients: envelope.rcptTo.map((r) => ({ address: r.email })), client: { remoteAddress: 'jmap', helo: 'jmap-api', secure: false } },
      withoutBcc(raw),
    );
  } catch (err) {
    if (!(err instanceof DeliveryRefused)) throw err;
    if (err.enhanced === '5.1.1') throw new SetFailure('invalidRecipients', err.message);
    throw new SetFailure('forbiddenToSend', err.message);
  }
  const deliveryStatus: SentSubmission['deliveryStatus'] = {};
  for (const r of envelope.rcptTo) {
    const resolved = await resolveRecipient(db, r.email);
    const local = resolved !== null && resolved !== false;
    deliveryStatus[r.email] = local ? { smtpReply: '250 2.1.5 delivered', delivered: 'yes', displayed: 'unknown' } : { smtpReply: '250 2.0.0 queued for delivery', delivered: 'queued', displayed: 'unknown' };
  }
  return { identityId, emailId, threadId: threadObjectId(record.threadId), envelope, sendAt, deliveryStatus };
}
