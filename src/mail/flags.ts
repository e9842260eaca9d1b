/**
 * IMAP system flags (RFC 9051 §2.3.2) as bits, so flag searches and counts run on an integer
 * column; everything else is a keyword. `\Recent` is not stored: RFC 9051 dropped it and it is
 * per-session state in IMAP4rev1.
 */
export const FLAG_SEEN = 1;
export const FLAG_ANSWERED = 2;
export const FLAG_FLAGGED = 4;
export const FLAG_DELETED = 8;
export const FLAG_DRAFT = 16;

const SYSTEM_FLAGS: [string, number][] = [
  ['\\Seen', FLAG_SEEN],
  ['\\Answered', FLAG_ANSWERED],
  ['\\Flagged', FLAG_FLAGGED],
  ['\\Deleted', FLAG_DELETED],
  ['\\Draft', FLAG_DRAFT],
];

const BY_NAME = new Map(SYSTEM_FLAGS.map(([name, bit]) => [name.toLowerCase(), bit]));

export interface FlagSet {
  flags: number;
  keywords: string[];
}

/** Splits IMAP flag names into system bits and keywords; keywords keep the case they were given. */
export function parseFlags(names: readonly string[]): FlagSet {
  let flags = 0;
  const keywords: string[] = [];
  for (const name of names) {
    const bit = BY_NAME.get(name.toLowerCase());
    if (bit !== undefined) flags |= bit;
    else if (!name.startsWith('\\') && !keywords.some((k) => k.toLowerCase() === name.toLowerCase())) keywords.push(name);
  }
  return { flags, keywords };
}

export function formatFlags(flags: number, keywords: string): string[] {
  const names = SYSTEM_FLAGS.filter(([, bit]) => flags & bit).map(([name]) => name);
  if (keywords) names.push(...keywords.split(' '));
  return names;
}

export function joinKeywords(keywords: readonly string[]): string {
  return keywords.join(' ');
}

export type FlagMode = 'add' | 'remove' | 'replace';

/** One entry's flags after a STORE; keywords compare case-insensitively (RFC 9051 §2.3.2) and keep their first spelling. */
export function applyFlagChange(mode: FlagMode, change: FlagSet, flags: number, keywords: string): { flags: number; keywords: string } {
  const current = keywords ? keywords.split(' ') : [];
  if (mode === 'replace') return { flags: change.flags, keywords: joinKeywords(change.keywords) };
  if (mode === 'add') {
    const known = new Set(current.map((k) => k.toLowerCase()));
    return { flags: flags | change.flags, keywords: joinKeywords([...current, ...change.keywords.filter((k) => !known.has(k.toLowerCase()))]) };
  }
  const removed = new Set(change.keywords.map((k) => k.toLowerCase()));
  return { flags: flags & ~change.flags, keywords: joinKeywords(current.filter((k) => !removed.has(k.toLowerCase()))) };
}
