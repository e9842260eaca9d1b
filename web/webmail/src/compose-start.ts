// What a compose window starts with, for each way of opening one: empty (perhaps addressed), a
// reply, reply-all or forward of a message, or a draft reopened from Drafts.
import { formatAddresses } from './addresses.ts';
import type { Jmap } from './api.ts';
import { disassemble, textToHtml, type Quote } from './compose-body.ts';
import { loadDraft, loadOriginal, type AttachmentRef, type ComposeContext, type DraftEmail, type Identity, type Priority } from './compose-requests.ts';
import type { ComposeStart } from './compose-types.ts';
import { answer } from './reply-quote.ts';

export interface Attachment {
  key: string;
  name: string;
  type: string;
  size: number;
  /** Null while uploading or after a failed upload. */
  blobId: string | null;
  progress: number;
  error: string | null;
}

/** Everything the user can change; kept whole across Send and Undo. */
export interface Fields {
  identityId: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  rich: boolean;
  html: string;
  text: string;
  quote: Quote;
  attachments: Attachment[];
  priority: Priority;
  inReplyTo: string[] | null;
  references: string[] | null;
}

const NO_QUOTE: Quote = { text: '', html: '' };

function attachmentFrom(ref: AttachmentRef): Attachment {
  return { key: crypto.randomUUID(), name: ref.name ?? 'attachment', type: ref.type, size: ref.size, blobId: ref.blobId, progress: 1, error: null };
}

function priorityOf(header: string | null): Priority {
  const level = Number.parseInt((header ?? '').trim(), 10);
  return level === 1 || level === 2 ? 'high' : level === 4 || level === 5 ? 'low' : 'normal';
}

function partValue(email: DraftEmail, part: { partId: string | null } | undefined): string {
  return part?.partId ? (email.bodyValues[part.partId]?.value ?? '') : '';
}

function identityFor(identities: Identity[], candidates: string[], username: string): Identity | undefined {
  const wanted = candidates.map((a) => a.toLowerCase());
  return identities.find((i) => wanted.includes(i.email.toLowerCase())) ?? identities.find((i) => i.email.toLowerCase() === username.toLowerCase()) ?? identities[0];
}

export async function initialFields(jmap: Jmap, start: ComposeStart, context: ComposeContext): Promise<{ fields: Fields; draftId: string | null }> {
  const { identities } = context;
  const own = new Set(identities.map((i) => i.email.toLowerCase()));
  const base = { cc: '', bcc: '', subject: '', rich: true, html: '', text: '', quote: NO_QUOTE, attachments: [], priority: 'normal' as Priority, inReplyTo: null, references: null };
  if (start.mode === 'new') {
    const identity = identityFor(identities, [], jmap.session.username);
    return { fields: { ...base, identityId: identity?.id ?? '', to: formatAddresses(start.to) }, draftId: null };
  }
  if (start.mode === 'draft') {
    const draft = await loadDraft(jmap, start.accountId, start.emailId);
    const htmlPart = draft.htmlBody.find((p) => p.type === 'text/html');
    const { typed, quote } = disassemble(partValue(draft, draft.textBody[0]), htmlPart ? partValue(draft, htmlPart) : null);
    const identity = identityFor(identities, (draft.from ?? []).map((a) => a.email), jmap.session.username);
    const fields: Fields = {
      identityId: identity?.id ?? '',
      to: formatAddresses(draft.to),
      cc: formatAddresses(draft.cc),
      bcc: formatAddresses(draft.bcc),
      subject: draft.subject ?? '',
      rich: typed.html !== null,
      html: typed.html ?? textToHtml(typed.text),
      text: typed.text,
      quote,
      attachments: draft.attachments.map(attachmentFrom),
      priority: priorityOf(draft['header:X-Priority:asText']),
      inReplyTo: draft.inReplyTo,
      references: draft.references,
    };
    return { fields, draftId: draft.id };
  }
  const original = await loadOriginal(jmap, start.accountId, start.emailId);
  const reply = answer(start.mode, original, own);
  const identity = identityFor(identities, [...(original.to ?? []), ...(original.cc ?? [])].map((a) => a.email), jmap.session.username);
  return {
    fields: {
      ...base,
      identityId: identity?.id ?? '',
      to: formatAddresses(reply.to),
      cc: formatAddresses(reply.cc),
      subject: reply.subject,
      quote: reply.quote,
      attachments: reply.attachments.map(attachmentFrom),
      inReplyTo: reply.inReplyTo,
      references: reply.references,
    },
    draftId: null,
  };
}
