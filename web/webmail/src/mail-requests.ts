// The JMAP requests behind each screen, written as RFC 8621 shows them. Every request names the
// account it is for: the user's own, or a shared mailbox (RFC 8620 §1.6.2) such as support@.
import type { Jmap } from './api.ts';
import type { Account, Conversation, EmailSummary, Mailbox } from './types.ts';

const MAILBOX_PROPERTIES = ['id', 'name', 'parentId', 'role', 'sortOrder', 'totalEmails', 'unreadEmails'];
const LIST_PROPERTIES = ['id', 'threadId', 'mailboxIds', 'from', 'subject', 'preview', 'receivedAt', 'keywords', 'hasAttachment'];
const THREAD_PROPERTIES = ['id', 'mailboxIds', 'keywords'];
const NEWEST_FIRST = [{ property: 'receivedAt', isAscending: false }];

/** The accounts of the session, the user's own first, then shared ones by name. */
export function accountsOf(jmap: Jmap): Account[] {
  const session = jmap.session as typeof jmap.session & { accounts?: Record<string, Omit<Account, 'id'>> };
  const accounts = Object.entries(session.accounts ?? {}).map(([id, a]) => ({ id, name: a.name, isPersonal: a.isPersonal, isReadOnly: a.isReadOnly }));
  if (!accounts.some((a) => a.id === jmap.accountId)) accounts.push({ id: jmap.accountId, name: session.username, isPersonal: true, isReadOnly: false });
  return accounts.sort((a, b) => Number(b.id === jmap.accountId) - Number(a.id === jmap.accountId) || a.name.localeCompare(b.name));
}

export async function loadMailboxes(jmap: Jmap, accountId: string): Promise<Mailbox[]> {
  const [result] = await jmap.request([['Mailbox/get', { accountId, properties: MAILBOX_PROPERTIES }, 'm']]);
  return result.list as Mailbox[];
}

/** What the list shows: a folder, a label, a search, or a mix (RFC 8621 §4.4.1 FilterCondition). */
export interface ListFilter {
  inMailbox?: string;
  hasKeyword?: string;
  text?: string;
  from?: string;
  to?: string;
  after?: string;
  before?: string;
  hasAttachment?: boolean;
}

export interface QueryPage {
  ids: string[];
  position: number;
  total: number;
}

/** One page of the conversation list (one id per thread, newest first) and how many there are in all. */
export async function queryConversations(jmap: Jmap, accountId: string, filter: ListFilter, position: number, limit: number): Promise<QueryPage> {
  const [result] = await jmap.request([['Email/query', { accountId, filter, sort: NEWEST_FIRST, collapseThreads: true, position, limit, calculateTotal: true }, 'q']]);
  return { ids: result.ids as string[], position: result.position as number, total: result.total as number };
}

interface ThreadEmail {
  id: string;
  mailboxIds: Record<string, true>;
  keywords: Record<string, true>;
}

/**
 * The rows for these ids: each email, its thread (Thread/get through a back-reference) and the
 * mailboxes and keywords of the thread's emails, in one round trip. A row stands for the thread's
 * emails in `scope` (the folder shown), or for the whole thread when no folder is.
 */
export async function loadConversations(jmap: Jmap, accountId: string, ids: string[], scope: string | null): Promise<Conversation[]> {
  if (ids.length === 0) return [];
  const [emails, threads, threadEmails] = await jmap.request([
    ['Email/get', { accountId, ids, properties: LIST_PROPERTIES }, 'e'],
    ['Thread/get', { accountId, '#ids': { resultOf: 'e', name: 'Email/get', path: '/list/*/threadId' } }, 't'],
    ['Email/get', { accountId, '#ids': { resultOf: 't', name: 'Thread/get', path: '/list/*/emailIds' }, properties: THREAD_PROPERTIES }, 'te'],
  ]);
  const byId = new Map((threadEmails.list as ThreadEmail[]).map((e) => [e.id, e]));
  const threadIds = new Map((threads.list as { id: string; emailIds: string[] }[]).map((t) => [t.id, t.emailIds]));
  return (emails.list as EmailSummary[]).map((email) => {
    const members = (threadIds.get(email.threadId) ?? [email.id]).map((id) => byId.get(id)).filter((e): e is ThreadEmail => !!e);
    const inView = members.filter((e) => scope === null || e.mailboxIds[scope]);
    const rowEmails = inView.length > 0 ? inView : [{ id: email.id, mailboxIds: email.mailboxIds, keywords: email.keywords }];
    return {
      email,
      emailIds: rowEmails.map((e) => e.id),
      mailboxIdsOf: Object.fromEntries(rowEmails.map((e) => [e.id, e.mailboxIds])),
      unread: rowEmails.some((e) => !e.keywords.$seen),
      flagged: rowEmails.some((e) => e.keywords.$flagged),
      keywords: new Set(rowEmails.flatMap((e) => Object.keys(e.keywords))),
    };
  });
}

function checkUpdated(set: Record<string, unknown>, what: string): void {
  const notUpdated = set.notUpdated as Record<string, { type: string; description?: string }> | null | undefined;
  const failure = notUpdated && Object.values(notUpdated)[0];
  if (failure) throw new Error(`Could not ${what}: ${failure.description ?? failure.type}.`);
}

/** Sets or clears one keyword ($seen, $flagged, a label) on these emails; answers the folders' new counts. */
export async function setKeyword(jmap: Jmap, accountId: string, ids: string[], keyword: string, on: boolean, what: string): Promise<Mailbox[]> {
  const update = Object.fromEntries(ids.map((id) => [id, { [`keywords/${keyword}`]: on ? true : null }]));
  const [set, mailboxes] = await jmap.request([
    ['Email/set', { accountId, update }, 's'],
    ['Mailbox/get', { accountId, properties: MAILBOX_PROPERTIES }, 'm'],
  ]);
  checkUpdated(set, what);
  return mailboxes.list as Mailbox[];
}

/** Gives each email exactly the mailboxes listed for it (a move, or the undo of one); answers the new counts. */
export async function setMailboxes(jmap: Jmap, accountId: string, mailboxIdsOf: Record<string, Record<string, true>>, what: string): Promise<Mailbox[]> {
  const update = Object.fromEntries(Object.entries(mailboxIdsOf).map(([id, mailboxIds]) => [id, { mailboxIds }]));
  const [set, mailboxes] = await jmap.request([
    ['Email/set', { accountId, update }, 's'],
    ['Mailbox/get', { accountId, properties: MAILBOX_PROPERTIES }, 'm'],
  ]);
  checkUpdated(set, what);
  return mailboxes.list as Mailbox[];
}

/** Where a conversation's emails go when moved from `from` (or from everywhere) to `to`. */
export function movedMailboxes(mailboxIdsOf: Record<string, Record<string, true>>, from: string | null, to: string): Record<string, Record<string, true>> {
  return Object.fromEntries(
    Object.entries(mailboxIdsOf).map(([id, boxes]) => {
      const kept = from === null ? {} : Object.fromEntries(Object.keys(boxes).filter((b) => b !== from).map((b) => [b, true as const]));
      return [id, { ...kept, [to]: true as const }];
    }),
  );
}

export interface Arrival {
  id: string;
  from: EmailSummary['from'];
  subject: string | null;
}

/** The newest unread emails of a folder: what the new-mail notice compares with what it saw before. */
export async function newestUnread(jmap: Jmap, accountId: string, mailboxId: string): Promise<Arrival[]> {
  const [, got] = await jmap.request([
    ['Email/query', { accountId, filter: { inMailbox: mailboxId, notKeyword: '$seen' }, sort: NEWEST_FIRST, limit: 20 }, 'q'],
    ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['id', 'from', 'subject'] }, 'g'],
  ]);
  return got.list as Arrival[];
}
