// How addresses, dates and bodies read on screen.
import type { EmailAddress, EmailFull } from './types.ts';

export function senderName(from: EmailAddress[] | null): string {
  const first = from?.[0];
  if (!first) return '(no sender)';
  return first.name?.trim() || first.email;
}

export function addressList(list: EmailAddress[] | null): string {
  return (list ?? []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
}

/** Today's mail shows its time, older mail its date. */
export function shortDate(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: date.getFullYear() === now.getFullYear() ? undefined : 'numeric' });
}

export function longDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
}

/**
 * The message's readable text. JMAP's textBody holds text/plain parts, or HTML parts where the
 * message has no plain alternative (RFC 8621 §4.1.4). HTML is reduced to its text by an inert
 * DOMParser document, which runs no scripts and loads nothing; it is never inserted as markup.
 */
export function bodyText(email: EmailFull): { text: string; fromHtml: boolean } {
  let fromHtml = false;
  const parts = email.textBody.map((part) => {
    const value = part.partId ? (email.bodyValues[part.partId]?.value ?? '') : '';
    if (part.type !== 'text/html') return value;
    fromHtml = true;
    return new DOMParser().parseFromString(value, 'text/html').body.textContent ?? '';
  });
  return { text: parts.join('\n\n').trim(), fromHtml };
}

export const FOLDER_NAMES: Record<string, string> = { inbox: 'Inbox', drafts: 'Drafts', sent: 'Sent', junk: 'Junk', trash: 'Trash', archive: 'Archive' };
