// What a reply, reply-all or forward starts with (RFC 5322 §3.6.4 for the threading fields):
// recipients, subject, In-Reply-To/References, the quoted original and, for a forward, its attachments.
import { escapeHtml, textToHtml, type Quote } from './compose-body.ts';
import type { AttachmentRef, OriginalEmail } from './compose-requests.ts';
import { addressList, bodyText, longDate, senderName } from './format.ts';
import type { EmailAddress, EmailFull } from './types.ts';

export type AnswerMode = 'reply' | 'replyAll' | 'forward';

export interface Answer {
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  inReplyTo: string[] | null;
  references: string[] | null;
  quote: Quote;
  attachments: AttachmentRef[];
}

/** "Re: " or "Fwd: " once, however many times the subject was answered before. */
export function prefixedSubject(subject: string | null, prefix: 'Re' | 'Fwd'): string {
  const base = (subject ?? '').trim();
  const already = prefix === 'Re' ? /^re\s*:/i : /^(fwd?|fw)\s*:/i;
  return already.test(base) ? base : `${prefix}: ${base}`;
}

function unique(list: EmailAddress[], excluded: Set<string>): EmailAddress[] {
  const seen = new Set(excluded);
  return list.filter((a) => {
    const key = a.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function originalText(email: OriginalEmail): string {
  return bodyText(email as unknown as EmailFull).text.replace(/\r\n?/g, '\n');
}

function replyQuote(email: OriginalEmail): Quote {
  const heading = `On ${longDate(email.sentAt ?? email.receivedAt)}, ${senderName(email.from)} wrote:`;
  const text = originalText(email);
  return {
    text: `${heading}\n${text.replace(/^/gm, '> ').replace(/^> $/gm, '>')}`,
    html: `<p>${escapeHtml(heading)}</p><blockquote>${textToHtml(text)}</blockquote>`,
  };
}

function forwardQuote(email: OriginalEmail): Quote {
  const heading = '---------- Forwarded message ----------';
  const fields: [string, string][] = [
    ['From', addressList(email.from)],
    ['Date', longDate(email.sentAt ?? email.receivedAt)],
    ['Subject', email.subject ?? ''],
    ['To', addressList(email.to)],
  ];
  if (email.cc?.length) fields.push(['Cc', addressList(email.cc)]);
  const text = originalText(email);
  return {
    text: [heading, ...fields.map(([k, v]) => `${k}: ${v}`), '', text].join('\n'),
    html: `<p>${escapeHtml(heading)}<br>${fields.map(([k, v]) => `${k}: ${escapeHtml(v)}`).join('<br>')}</p><blockquote>${textToHtml(text)}</blockquote>`,
  };
}

/** `own` holds the user's addresses (lower case), left out of a reply-all. */
export function answer(mode: AnswerMode, email: OriginalEmail, own: Set<string>): Answer {
  if (mode === 'forward') {
    return { to: [], cc: [], subject: prefixedSubject(email.subject, 'Fwd'), inReplyTo: null, references: null, quote: forwardQuote(email), attachments: email.attachments };
  }
  const replyTo = email.replyTo?.length ? email.replyTo : (email.from ?? []);
  // Replying to one's own sent message goes to its recipients, as mail clients do.
  const ownMessage = replyTo.every((a) => own.has(a.email.toLowerCase()));
  const to = ownMessage && email.to?.length ? unique(email.to, new Set()) : unique(replyTo, new Set());
  const cc = mode === 'replyAll' ? unique([...(ownMessage ? [] : (email.to ?? [])), ...(email.cc ?? [])], new Set([...own, ...to.map((a) => a.email.toLowerCase())])) : [];
  const messageId = email.messageId?.[0] ?? null;
  return {
    to: mode === 'replyAll' ? to.filter((a) => !own.has(a.email.toLowerCase()) || ownMessage) : to,
    cc,
    subject: prefixedSubject(email.subject, 'Re'),
    inReplyTo: messageId ? [messageId] : null,
    references: messageId ? [...(email.references ?? []), messageId] : email.references,
    quote: replyQuote(email),
    attachments: [],
  };
}
