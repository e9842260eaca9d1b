// The JMAP requests behind each screen, written as RFC 8621 shows them: a query and the get of
// its results in one round trip through a back-reference (RFC 8620 §3.7).
import type { Jmap } from './api.ts';
import type { EmailFull, EmailSummary, Mailbox } from './types.ts';

const MAILBOX_PROPERTIES = ['id', 'name', 'parentId', 'role', 'sortOrder', 'totalEmails', 'unreadEmails'];
const LIST_PROPERTIES = ['id', 'threadId', 'from', 'subject', 'preview', 'receivedAt', 'keywords'];
const READ_PROPERTIES = [...LIST_PROPERTIES, 'to', 'cc', 'textBody', 'bodyValues'];
const PAGE = 50;

export async function loadMailboxes(jmap: Jmap): Promise<Mailbox[]> {
  const [result] = await jmap.request([['Mailbox/get', { accountId: jmap.accountId, properties: MAILBOX_PROPERTIES }, 'm']]);
  return result.list as Mailbox[];
}

/** The newest conversations of a folder, one row per thread. */
export async function loadMessages(jmap: Jmap, mailboxId: string): Promise<EmailSummary[]> {
  const [, got] = await jmap.request([
    ['Email/query', { accountId: jmap.accountId, filter: { inMailbox: mailboxId }, sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: true, limit: PAGE }, 'q'],
    ['Email/get', { accountId: jmap.accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: LIST_PROPERTIES }, 'g'],
  ]);
  return got.list as EmailSummary[];
}

export async function loadMessage(jmap: Jmap, id: string): Promise<EmailFull | null> {
  const [result] = await jmap.request([['Email/get', { accountId: jmap.accountId, ids: [id], properties: READ_PROPERTIES, fetchTextBodyValues: true }, 'e']]);
  return ((result.list as EmailFull[])[0] as EmailFull | undefined) ?? null;
}

/** Sets $seen and returns the folders' new counts in the same request. */
export async function markRead(jmap: Jmap, id: string): Promise<Mailbox[]> {
  const [set, mailboxes] = await jmap.request([
    ['Email/set', { accountId: jmap.accountId, update: { [id]: { 'keywords/$seen': true } } }, 's'],
    ['Mailbox/get', { accountId: jmap.accountId, properties: MAILBOX_PROPERTIES }, 'm'],
  ]);
  const notUpdated = set.notUpdated as Record<string, { type: string }> | null | undefined;
  if (notUpdated?.[id]) throw new Error(`could not mark the message read: ${notUpdated[id].type}`);
  return mailboxes.list as Mailbox[];
}
