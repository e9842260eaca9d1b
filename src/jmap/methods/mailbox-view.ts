import { mailboxEmailCounts, mailboxThreadCounts } from '../../mail/email-views.ts';
import { HIERARCHY_SEPARATOR, type MailboxInfo } from '../../mail/mailboxes.ts';
import { mailboxObjectId } from '../../mail/object-ids.ts';
import { canSee, mailboxRights, rightsOf, type AccountAccess } from '../account-access.ts';
import type { JmapContext } from '../context.ts';
import { shareWithOf } from './mailbox-share.ts';

export const MAILBOX_PROPERTIES = ['id', 'name', 'parentId', 'role', 'sortOrder', 'totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads', 'myRights', 'isSubscribed', 'shareWith'] as const;

/** RFC 8621 §2: IMAP special uses (RFC 6154) are the roles, named in lower case without the backslash. */
export function roleOf(mailbox: Pick<MailboxInfo, 'name' | 'specialUse'>): string | null {
  if (mailbox.name === 'INBOX') return 'inbox';
  return mailbox.specialUse ? mailbox.specialUse.slice(1).toLowerCase() : null;
}

/** The special use a role stands for, or null for a role we cannot give a mailbox. */
export function specialUseOf(role: string): string | null {
  const known = ['archive', 'drafts', 'important', 'junk', 'sent', 'trash'];
  return known.includes(role) ? `\\${role[0].toUpperCase()}${role.slice(1)}` : null;
}

// Clients show mailboxes by sortOrder, then name: the usual folders first, in the usual order.
const ROLE_ORDER: Record<string, number> = { inbox: 1, drafts: 2, sent: 3, archive: 4, junk: 5, trash: 6 };

/** sortOrder follows from the role and is not stored, so a client cannot set another one. */
export function sortOrderOf(role: string | null): number {
  return role ? (ROLE_ORDER[role] ?? 10) : 10;
}

export function leafName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(HIERARCHY_SEPARATOR) + 1);
}

export function parentName(fullName: string): string | null {
  const cut = fullName.lastIndexOf(HIERARCHY_SEPARATOR);
  return cut < 0 ? null : fullName.slice(0, cut);
}

/**
 * Thread counts by (mailbox, HIGHESTMODSEQ): a message's thread never changes, and every entry
 * added, removed or re-flagged in a mailbox moves its HIGHESTMODSEQ, so a cached count is right
 * until then. Counting reads every entry's message (a large mailbox takes a while), so it is not
 * done again for every Mailbox/get.
 */
const threadCountCache = new Map<string, { totalThreads: number; unreadThreads: number }>();
const THREAD_CACHE_MAX = 10_000;

async function threadCounts(ctx: JmapContext, mailboxes: MailboxInfo[]): Promise<Map<number, { totalThreads: number; unreadThreads: number }>> {
  const key = (m: MailboxInfo) => `${m.id}:${m.highestModseq}`;
  const missing = mailboxes.filter((m) => !threadCountCache.has(key(m)));
  const fresh = await mailboxThreadCounts(ctx.services.store.db, missing.map((m) => m.id));
  for (const m of missing) {
    if (threadCountCache.size >= THREAD_CACHE_MAX) threadCountCache.delete(threadCountCache.keys().next().value as string);
    threadCountCache.set(key(m), fresh.get(m.id) ?? { totalThreads: 0, unreadThreads: 0 });
  }
  return new Map(mailboxes.map((m) => [m.id, threadCountCache.get(key(m))!]));
}

/**
 * Every mailbox of the account the principal may see as a JMAP Mailbox object (RFC 8621 §2),
 * keyed by its id, with myRights and shareWith from its ACL; thread counts only `withThreads`.
 */
export async function mailboxObjects(ctx: JmapContext, access: AccountAccess, withThreads = true): Promise<Map<string, Record<string, unknown>>> {
  const mailboxes = (await ctx.services.mail.listMailboxes(access.accountId)).filter((m) => canSee(access, m.id));
  const emails = await mailboxEmailCounts(ctx.services.store.db, mailboxes.map((m) => m.id));
  const threads = withThreads ? await threadCounts(ctx, mailboxes) : new Map<number, { totalThreads: number; unreadThreads: number }>();
  const shareWith = await shareWithOf(ctx, access, mailboxes);
  const idByName = new Map(mailboxes.map((m) => [m.name, mailboxObjectId(m.id)]));
  const result = new Map<string, Record<string, unknown>>();
  for (const m of mailboxes) {
    const role = roleOf(m);
    const parent = parentName(m.name);
    const isInbox = m.name === 'INBOX';
    result.set(mailboxObjectId(m.id), {
      id: mailboxObjectId(m.id),
      name: leafName(m.name),
      parentId: parent === null ? null : (idByName.get(parent) ?? null),
      role,
      sortOrder: sortOrderOf(role),
      ...(emails.get(m.id) ?? { totalEmails: 0, unreadEmails: 0 }),
      ...(threads.get(m.id) ?? {}),
      myRights: mailboxRights(rightsOf(access, m.id), isInbox),
      isSubscribed: m.subscribed,
      shareWith: shareWith.get(m.id) ?? null,
    });
  }
  return result;
}
