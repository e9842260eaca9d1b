import { MailError } from './errors.ts';
import { FLAG_DELETED, FLAG_SEEN, parseFlags, type FlagSet } from './flags.ts';

/**
 * RFC 4314 access rights, in the RFC's order:
 *   l lookup (see it in LIST)     r read (SELECT, FETCH, SEARCH, COPY from)
 *   s keep \Seen                  w write the other flags and keywords
 *   i insert (APPEND, COPY into)  p post (to the mailbox's submission address)
 *   k create child mailboxes      x delete or rename the mailbox
 *   t set or clear \Deleted       e expunge
 *   a administer (GETACL, SETACL)
 * The owner of a mailbox holds all of them and cannot lose them.
 */
export const ALL_RIGHTS = 'lrswipkxtea';

/** What a member of a shared mailbox gets unless told otherwise: everything but administering it. */
export const DEFAULT_MEMBER_RIGHTS = 'lrswipkxte';

/**
 * RFC 4314 §2.1.1: the obsolete RFC 2086 rights "c" and "d" stand for the rights that replaced
 * them; with RIGHTS=texk each of t, e, x and k is its own right, so "c" is k and "d" is xte.
 */
const OBSOLETE: Record<string, string> = { c: 'k', d: 'xte' };

/** Rights letters as a set in canonical order, obsolete letters expanded; anything else is refused. */
export function normalizeRights(letters: string): string {
  const wanted = new Set<string>();
  for (const letter of letters.toLowerCase()) {
    const expanded = OBSOLETE[letter] ?? letter;
    for (const l of expanded) {
      if (!ALL_RIGHTS.includes(l)) throw new MailError('invalid', `unknown access right "${letter}"; rights are letters of ${ALL_RIGHTS}`);
      wanted.add(l);
    }
  }
  return [...ALL_RIGHTS].filter((l) => wanted.has(l)).join('');
}

/**
 * SETACL's rights argument (RFC 4314 §3.1): "+xyz" adds to the current rights, "-xyz" removes
 * from them, anything else replaces them.
 */
export function applyRightsChange(current: string, change: string): string {
  if (change.startsWith('+')) return normalizeRights(current + change.slice(1));
  if (change.startsWith('-')) {
    const removed = new Set(normalizeRights(change.slice(1)));
    return [...current].filter((l) => !removed.has(l)).join('');
  }
  return normalizeRights(change);
}

export function hasRight(rights: string, right: string): boolean {
  return rights.includes(right);
}

/** Whether a selected mailbox may be changed at all: else SELECT answers READ-ONLY (RFC 4314 §4). */
export function canWriteSelected(rights: string): boolean {
  return [...'stwe'].some((r) => rights.includes(r));
}

/** Which flags a principal may change (RFC 4314 §4, STORE): \Seen with s, \Deleted with t, all others with w. */
export interface FlagPermission {
  /** System-flag bits that may change. */
  bits: number;
  /** Keywords and the system flags other than \Seen and \Deleted (w). */
  others: boolean;
}

const OTHER_SYSTEM_BITS = 2 | 4 | 16;

export function flagPermission(rights: string): FlagPermission {
  let bits = 0;
  if (rights.includes('s')) bits |= FLAG_SEEN;
  if (rights.includes('t')) bits |= FLAG_DELETED;
  if (rights.includes('w')) bits |= OTHER_SYSTEM_BITS;
  return { bits, others: rights.includes('w') };
}

/** The flag names of a STORE or APPEND the permission allows; the rest are dropped (RFC 4314 §4 says ignore them). */
export function permittedFlags(permission: FlagPermission, names: readonly string[]): string[] {
  return names.filter((name) => {
    const one = parseFlags([name]);
    return one.flags !== 0 ? (one.flags & permission.bits) !== 0 : permission.others;
  });
}

/**
 * Whether a STORE may go ahead: RFC 4314 §4 says it SHOULD NOT fail when at least one of its flags
 * may be changed, and the others are then left alone; a STORE of only forbidden flags fails.
 */
export function storeAllowed(permission: FlagPermission, change: FlagSet, mode: 'add' | 'remove' | 'replace'): boolean {
  if ((change.flags & permission.bits) !== 0) return true;
  if (change.keywords.length > 0 && permission.others) return true;
  // FLAGS () clears everything the principal may touch.
  return mode === 'replace' && change.flags === 0 && change.keywords.length === 0 && (permission.bits !== 0 || permission.others);
}

/** An entry's new flags restricted to what may change: forbidden flags keep their current value. */
export function restrictFlags(permission: FlagPermission, current: { flags: number; keywords: string }, next: { flags: number; keywords: string }): { flags: number; keywords: string } {
  return {
    flags: (current.flags & ~permission.bits) | (next.flags & permission.bits),
    keywords: permission.others ? next.keywords : current.keywords,
  };
}
