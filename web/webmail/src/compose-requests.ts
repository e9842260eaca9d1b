// The JMAP requests behind the compose window (RFC 8621): identities and the Drafts folder, the
// message being answered or the draft being reopened, saving a draft version (create the new one
// and destroy the old in one Email/set) and sending (Email/set create + EmailSubmission/set).
import { MAIL, SignedOut, type Invocation, type Jmap } from './api.ts';
import type { BodyPart, EmailAddress } from './types.ts';

const SUBMISSION = 'urn:ietf:params:jmap:submission';
const USING = ['urn:ietf:params:jmap:core', MAIL, SUBMISSION];

export type Priority = 'high' | 'normal' | 'low';

export interface Identity {
  id: string;
  name: string;
  email: string;
  textSignature: string;
  htmlSignature: string;
}

export interface AttachmentRef {
  blobId: string;
  name: string | null;
  type: string;
  size: number;
}

/** The message being replied to or forwarded. */
export interface OriginalEmail {
  id: string;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  subject: string | null;
  messageId: string[] | null;
  references: string[] | null;
  sentAt: string | null;
  receivedAt: string;
  textBody: BodyPart[];
  bodyValues: Record<string, { value: string; isTruncated: boolean }>;
  attachments: AttachmentRef[];
}

/** A draft reopened from the Drafts folder. */
export interface DraftEmail extends OriginalEmail {
  bcc: EmailAddress[] | null;
  inReplyTo: string[] | null;
  htmlBody: BodyPart[];
  'header:X-Priority:asText': string | null;
}

/** Everything a message is made of when it is saved or sent. */
export interface Outgoing {
  identity: Identity;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  subject: string;
  text: string;
  /** Null in plain-text mode: the message is text/plain only. */
  html: string | null;
  attachments: AttachmentRef[];
  inReplyTo: string[] | null;
  references: string[] | null;
  priority: Priority;
}

/** A refusal the user can act on, in the server's words. */
export class Refused extends Error {}

const ORIGINAL_PROPERTIES = ['id', 'from', 'to', 'cc', 'replyTo', 'subject', 'messageId', 'references', 'sentAt', 'receivedAt', 'textBody', 'bodyValues', 'attachments'];
const DRAFT_PROPERTIES = [...ORIGINAL_PROPERTIES, 'bcc', 'inReplyTo', 'htmlBody', 'header:X-Priority:asText'];

/** Like Jmap.request, with the submission capability that Identity and EmailSubmission need. */
async function call(jmap: Jmap, calls: Invocation[]): Promise<Record<string, unknown>[]> {
  const response = await fetch(jmap.session.apiUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${jmap.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ using: USING, methodCalls: calls }),
  });
  if (response.status === 401) throw new SignedOut('session expired');
  if (!response.ok) throw new Error(`The server answered HTTP ${response.status}.`);
  const { methodResponses } = (await response.json()) as { methodResponses: Invocation[] };
  return methodResponses.map(([name, args]) => {
    if (name === 'error') throw new Error(`The server could not do this (${String(args.type)}): ${String(args.description ?? '')}`);
    return args;
  });
}

export interface ComposeContext {
  identities: Identity[];
  draftsId: string;
}

export async function loadComposeContext(jmap: Jmap): Promise<ComposeContext> {
  const [identities, mailboxes] = await call(jmap, [
    ['Identity/get', { accountId: jmap.accountId }, 'i'],
    ['Mailbox/get', { accountId: jmap.accountId, properties: ['role'] }, 'm'],
  ]);
  const drafts = (mailboxes.list as { id: string; role: string | null }[]).find((m) => m.role === 'drafts');
  if (!drafts) throw new Error('Your account has no Drafts folder, so messages cannot be written.');
  return { identities: identities.list as Identity[], draftsId: drafts.id };
}

export async function loadOriginal(jmap: Jmap, accountId: string, emailId: string): Promise<OriginalEmail> {
  const [got] = await call(jmap, [['Email/get', { accountId, ids: [emailId], properties: ORIGINAL_PROPERTIES, fetchTextBodyValues: true }, 'o']]);
  const email = (got.list as OriginalEmail[])[0];
  if (!email) throw new Error('The message no longer exists.');
  return email;
}

export async function loadDraft(jmap: Jmap, accountId: string, emailId: string): Promise<DraftEmail> {
  const [got] = await call(jmap, [['Email/get', { accountId, ids: [emailId], properties: DRAFT_PROPERTIES, fetchAllBodyValues: true }, 'd']]);
  const email = (got.list as DraftEmail[])[0];
  if (!email) throw new Error('The draft no longer exists.');
  return email;
}

/** The Email/set create object (RFC 8621 §4.6); X-Priority and Importance go as header:…:asText properties. */
function emailObject(out: Outgoing, draftsId: string): Record<string, unknown> {
  const bodyValues: Record<string, { value: string }> = { t: { value: out.text } };
  if (out.html !== null) bodyValues.h = { value: out.html };
  return {
    mailboxIds: { [draftsId]: true },
    keywords: { $draft: true, $seen: true },
    from: [{ name: out.identity.name || null, email: out.identity.email }],
    to: out.to,
    cc: out.cc,
    bcc: out.bcc,
    subject: out.subject,
    ...(out.inReplyTo ? { inReplyTo: out.inReplyTo } : {}),
    ...(out.references ? { references: out.references } : {}),
    bodyValues,
    textBody: [{ partId: 't', type: 'text/plain' }],
    ...(out.html !== null ? { htmlBody: [{ partId: 'h', type: 'text/html' }] } : {}),
    attachments: out.attachments.map((a) => ({ blobId: a.blobId, name: a.name, type: a.type, disposition: 'attachment' })),
    ...(out.priority === 'normal' ? {} : { 'header:X-Priority:asText': out.priority === 'high' ? '1' : '5', 'header:Importance:asText': out.priority }),
  };
}

interface SetError {
  type: string;
  description?: string;
}

function refusal(error: SetError): Refused {
  const words: Record<string, string> = {
    invalidRecipients: 'A recipient was refused',
    forbiddenFrom: 'You may not send from this address',
    forbiddenToSend: 'The server refused to send this message',
    noRecipients: 'The message has no recipients',
    tooLarge: 'The message is too large',
    overQuota: 'Your mailbox is full',
    blobNotFound: 'An attachment is no longer available; attach it again',
  };
  const lead = words[error.type] ?? `The server refused the message (${error.type})`;
  const detail = error.description?.trim().replace(/([^.!?])$/, '$1.');
  return new Refused(detail ? `${lead}: ${detail}` : `${lead}.`);
}

export interface Saved {
  id: string;
  /** The attachments as parts of the new version, so the next version no longer needs the old one. */
  attachments: AttachmentRef[];
}

/** Destroys the version a new one replaces: only once the new one exists, so a refusal never loses the draft. */
async function replace(jmap: Jmap, previousId: string | null): Promise<void> {
  if (previousId) await call(jmap, [['Email/set', { accountId: jmap.accountId, destroy: [previousId] }, 'x']]);
}

/** Saves a new version of the draft, then destroys the previous one. */
export async function saveDraft(jmap: Jmap, draftsId: string, out: Outgoing, previousId: string | null): Promise<Saved> {
  const [set, got] = await call(jmap, [
    ['Email/set', { accountId: jmap.accountId, create: { d: emailObject(out, draftsId) } }, 's'],
    ['Email/get', { accountId: jmap.accountId, ids: ['#d'], properties: ['id', 'attachments'] }, 'g'],
  ]);
  const notCreated = (set.notCreated as Record<string, SetError> | null)?.d;
  if (notCreated) throw refusal(notCreated);
  await replace(jmap, previousId);
  return (got.list as Saved[])[0];
}

/**
 * Creates the message in Drafts and submits it; on success the server copies it to Sent and
 * onSuccessDestroyEmail removes the draft (RFC 8621 §7.5). A refused submission leaves the new
 * version as the draft, which is returned with the refusal; a refused create leaves the old one.
 */
export async function sendMessage(jmap: Jmap, draftsId: string, out: Outgoing, previousId: string | null): Promise<{ refused: Refused | null; draft: Saved | null }> {
  const [set, submission, got] = await call(jmap, [
    ['Email/set', { accountId: jmap.accountId, create: { m: emailObject(out, draftsId) } }, 'e'],
    ['EmailSubmission/set', { accountId: jmap.accountId, create: { s: { identityId: out.identity.id, emailId: '#m' } }, onSuccessDestroyEmail: ['#s'] }, 's'],
    ['Email/get', { accountId: jmap.accountId, ids: ['#m'], properties: ['id', 'attachments'] }, 'g'],
  ]);
  const notCreated = (set.notCreated as Record<string, SetError> | null)?.m;
  if (notCreated) return { refused: refusal(notCreated), draft: null };
  await replace(jmap, previousId);
  const notSent = (submission.notCreated as Record<string, SetError> | null)?.s;
  if (!notSent) return { refused: null, draft: null };
  return { refused: refusal(notSent), draft: (got.list as Saved[])[0] ?? null };
}

export async function destroyDraft(jmap: Jmap, id: string): Promise<void> {
  await call(jmap, [['Email/set', { accountId: jmap.accountId, destroy: [id] }, 'x']]);
}

/** The organisation's signature template rendered for this user; none where the server has none. */
export async function loadOrgSignature(jmap: Jmap): Promise<{ text: string; html: string }> {
  const response = await fetch('/api/v1/me/signature', { headers: { authorization: `Bearer ${jmap.token}` } });
  if (response.status === 401) throw new SignedOut('session expired');
  if (!response.ok) return { text: '', html: '' };
  const body = (await response.json().catch(() => ({}))) as { text?: unknown; html?: unknown };
  return { text: typeof body.text === 'string' ? body.text : '', html: typeof body.html === 'string' ? body.html : '' };
}
