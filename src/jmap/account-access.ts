// Which JMAP accounts a principal reaches and what it may do in each (RFC 8620 §1.6.2, RFC 8621 §2):
// its own with every right, and every account that shares at least one mailbox with it, with
// the RFC 4314 rights of the ACL on each mailbox it may see.
import { ALL_RIGHTS } from '../mail/acl.ts';
import type { MailboxAccess } from '../mail/shared-access.ts';
import { accountIdOf, parseAccountId } from './account-ids.ts';
import type { JmapContext, JmapServices } from './context.ts';
import { invalidArguments, MethodError } from './proto/errors.ts';

/** One account as the principal reaches it. */
export interface AccountAccess {
  accountId: number;
  /** Mailbox id -> the principal's rights; null for its own account, where every mailbox is visible with every right. */
  mailboxes: ReadonlyMap<number, string> | null;
}

/** Another principal's account that shares mailboxes with this one, as the Session lists it. */
export interface SharedAccount {
  accountId: number;
  /** The owner's address (support@example.com) or login. */
  name: string;
  /** No right on any of its mailboxes changes anything (RFC 8620 §2 isReadOnly). */
  isReadOnly: boolean;
}

// Rights that let a principal change something in a mailbox; l, r and a alone do not.
const WRITE_RIGHTS = 'swipkxte';

function visible(access: MailboxAccess): boolean {
  return access.rights.includes('l') || access.rights.includes('r');
}

/** Every account that shares at least one mailbox the principal may see, by owner id. */
export async function sharedAccounts(services: JmapServices, principalId: number): Promise<SharedAccount[]> {
  const byOwner = new Map<number, SharedAccount>();
  for (const access of await services.mail.access.sharedWith(principalId)) {
    if (!visible(access)) continue;
    const entry = byOwner.get(access.accountId) ?? { accountId: access.accountId, name: access.owner ?? accountIdOf(access.accountId), isReadOnly: true };
    if ([...WRITE_RIGHTS].some((r) => access.rights.includes(r))) entry.isReadOnly = false;
    byOwner.set(access.accountId, entry);
  }
  return [...byOwner.values()].sort((a, b) => a.accountId - b.accountId);
}

/**
 * The account a mail method's `accountId` names: the principal's own, or one that shares a
 * mailbox with it. Any other is accountNotFound, so ids cannot be probed (RFC 8620 §3.6.2).
 */
export async function accessOf(args: Record<string, unknown>, ctx: JmapContext): Promise<AccountAccess> {
  const id = args.accountId;
  if (typeof id !== 'string') throw invalidArguments('accountId is required', 'accountId');
  const accountId = parseAccountId(id);
  if (accountId === null) throw new MethodError('accountNotFound', `no account ${id}`);
  if (accountId === ctx.principal.id) return { accountId, mailboxes: null };
  const shared = (await ctx.services.mail.access.sharedWith(ctx.principal.id)).filter((a) => a.accountId === accountId && visible(a));
  if (shared.length === 0) throw new MethodError('accountNotFound', `no account ${id}`);
  return { accountId, mailboxes: new Map(shared.map((a) => [Number(a.mailbox.id), a.rights])) };
}

/**
 * The account of a method that exists only in personal accounts (Identity, EmailSubmission,
 * VacationResponse): a shared account the principal reaches does not support it (RFC 8620
 * §3.6.2 accountNotSupportedByMethod; the Session lists only mail for it), any other is not found.
 */
export async function personalAccountOf(args: Record<string, unknown>, ctx: JmapContext): Promise<number> {
  const access = await accessOf(args, ctx);
  if (access.mailboxes !== null) throw new MethodError('accountNotSupportedByMethod', `account ${String(args.accountId)} is shared with you and offers mail only`);
  return access.accountId;
}

/** The mailboxes of the account where the principal holds every right in `need`. */
export function mailboxesWith(access: AccountAccess, need: string): number[] | null {
  if (access.mailboxes === null) return null;
  return [...access.mailboxes].filter(([, rights]) => [...need].every((r) => rights.includes(r))).map(([id]) => id);
}

/** The principal's rights on one mailbox of the account; '' for one it cannot see. */
export function rightsOf(access: AccountAccess, mailboxId: number): string {
  return access.mailboxes === null ? ALL_RIGHTS : (access.mailboxes.get(mailboxId) ?? '');
}

export function canSee(access: AccountAccess, mailboxId: number): boolean {
  return access.mailboxes === null || access.mailboxes.has(mailboxId);
}

/** Whether every letter of `need` is granted on the mailbox. */
export function mayOn(access: AccountAccess, mailboxId: number, need: string): boolean {
  const rights = rightsOf(access, mailboxId);
  return [...need].every((r) => rights.includes(r));
}

/** RFC 8621 §2 MailboxRights from RFC 4314 rights (the mapping of RFC 8621 §2 and RFC 5258-era servers). */
export function mailboxRights(rights: string, isInbox: boolean): Record<string, boolean> {
  const has = (r: string) => rights.includes(r);
  return {
    mayReadItems: has('r'),
    mayAddItems: has('i'),
    mayRemoveItems: has('t') && has('e'),
    maySetSeen: has('s'),
    maySetKeywords: has('w'),
    mayCreateChild: has('k'),
    mayRename: has('x') && !isInbox,
    mayDelete: has('x') && !isInbox,
    maySubmit: has('p'),
  };
}
