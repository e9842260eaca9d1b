// Mailbox.shareWith (RFC 9670 §4 on RFC 8621 §2): who else may use a mailbox, as a map of account id
// to MailboxRights, read from and written to the RFC 4314 ACL that IMAP GETACL/SETACL use.
import { MailError } from '../../mail/errors.ts';
import { grantsOf, setGrants } from '../../mail/mailbox-sharing.ts';
import type { MailboxInfo } from '../../mail/mailboxes.ts';
import { mailboxRights, mayOn, type AccountAccess } from '../account-access.ts';
import { accountIdOf, parseAccountId } from '../account-ids.ts';
import type { JmapContext } from '../context.ts';
import { SetFailure, type Args } from './common.ts';

/** The RFC 4314 letters each MailboxRights property stands for (the inverse of mailboxRights()). */
const LETTERS: Record<string, string> = {
  mayReadItems: 'lr',
  mayAddItems: 'i',
  mayRemoveItems: 'te',
  maySetSeen: 's',
  maySetKeywords: 'w',
  mayCreateChild: 'k',
  mayRename: 'x',
  mayDelete: 'x',
  maySubmit: 'p',
  mayShare: 'a',
};

// Taking mayReadItems away leaves lookup (l), so other rights a grantee keeps still show the mailbox.
const REMOVED_LETTERS: Record<string, string> = { ...LETTERS, mayReadItems: 'r' };

const ORDER = 'lrswipkxtea';

function canonical(letters: Iterable<string>): string {
  const set = new Set(letters);
  // Every right but lookup needs the mailbox to be found (RFC 4314 §2.1 l): a grant always includes it.
  if (set.size > 0) set.add('l');
  return [...ORDER].filter((l) => set.has(l)).join('');
}

/** A grantee's RFC 4314 rights as the MailboxRights object shareWith holds, with RFC 9670's mayShare. */
export function sharedRights(rights: string, isInbox: boolean): Record<string, boolean> {
  return { ...mailboxRights(rights, isInbox), mayShare: rights.includes('a') };
}

/**
 * shareWith of each mailbox, for those where the principal may administer the ACL (a; the owner
 * always may): null when no one else shares it, and null for everyone else, as RFC 9670 says.
 */
export async function shareWithOf(ctx: JmapContext, access: AccountAccess, mailboxes: readonly MailboxInfo[]): Promise<Map<number, Record<string, Record<string, boolean>> | null>> {
  const administered = mailboxes.filter((m) => mayOn(access, m.id, 'a'));
  const grants = await grantsOf(ctx.services.store.db, administered.map((m) => m.id));
  const result = new Map<number, Record<string, Record<string, boolean>> | null>();
  for (const m of mailboxes) {
    const entries = [...(grants.get(m.id) ?? [])];
    result.set(m.id, entries.length === 0 ? null : Object.fromEntries(entries.map(([grantee, rights]) => [accountIdOf(grantee), sharedRights(rights, m.name === 'INBOX')])));
  }
  return result;
}

function invalid(description: string): never {
  throw new SetFailure('invalidProperties', description, ['shareWith']);
}

function granteeOf(id: string): number {
  const grantee = parseAccountId(id);
  if (grantee === null) invalid(`${id} is not an account id`);
  return grantee;
}

function lettersOf(value: unknown): string {
  if (value === null) return '';
  if (typeof value !== 'object' || Array.isArray(value)) invalid('a shareWith value is a MailboxRights object or null');
  const letters: string[] = [];
  for (const [property, granted] of Object.entries(value as Args)) {
    if (!(property in LETTERS) || typeof granted !== 'boolean') invalid(`${property} is not a MailboxRights property`);
    if (granted) letters.push(...LETTERS[property]);
  }
  return canonical(letters);
}

/** Whether a patch key is about shareWith: the whole map, one grantee, or one right of one grantee. */
export function isShareWithPath(key: string): boolean {
  return key === 'shareWith' || key.startsWith('shareWith/');
}

/**
 * Applies the shareWith parts of a Mailbox/set create or update (RFC 8620 §5.3 PatchObject paths
 * included) to the mailbox's ACL. Needs the a right (mayShare); `forbidden` otherwise.
 */
export async function applyShareWith(ctx: JmapContext, access: AccountAccess, mailbox: MailboxInfo, patch: ReadonlyArray<[string, unknown]>): Promise<void> {
  if (patch.length === 0) return;
  if (!mayOn(access, mailbox.id, 'a')) throw new SetFailure('forbidden', `you may not share ${mailbox.name} (needs the a right)`, ['shareWith']);
  const current = (await grantsOf(ctx.services.store.db, [mailbox.id])).get(mailbox.id) ?? new Map<number, string>();
  const next = new Map(current);
  for (const [path, value] of patch) {
    const [, grantee, property, ...rest] = path.split('/');
    if (rest.length > 0) invalid(`${path} is not a shareWith path`);
    if (grantee === undefined) {
      if (value !== null && (typeof value !== 'object' || Array.isArray(value))) invalid('shareWith is a map of account ids to MailboxRights, or null');
      for (const id of next.keys()) next.set(id, '');
      for (const [id, rights] of Object.entries((value ?? {}) as Args)) next.set(granteeOf(id), lettersOf(rights));
    } else if (property === undefined) {
      next.set(granteeOf(grantee), lettersOf(value));
    } else {
      if (!(property in LETTERS) || typeof value !== 'boolean') invalid(`${path} must be a MailboxRights property set to true or false`);
      const id = granteeOf(grantee);
      const had = next.get(id) ?? '';
      next.set(id, value ? canonical([...had, ...LETTERS[property]]) : canonical([...had].filter((l) => !REMOVED_LETTERS[property].includes(l))));
    }
  }
  const changed = new Map([...next].filter(([id, rights]) => (current.get(id) ?? '') !== rights));
  if (changed.size === 0) return;
  try {
    const modseq = await setGrants(ctx.services.store, access.accountId, mailbox.id, changed);
    ctx.services.changes.publish({ accountId: access.accountId, modseq, mailboxIds: [mailbox.id] });
  } catch (err) {
    if (err instanceof MailError && err.code === 'invalid') invalid(err.message);
    throw err;
  }
}
