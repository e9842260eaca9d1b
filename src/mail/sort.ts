import { sql, type RawBuilder } from 'kysely';

import type { Store } from '../store/database.ts';
import { decodeHeaderValue } from './mime/index.ts';
import type { SortCriterion, SortKey } from './search-criteria.ts';

interface SortRow {
  uid: number;
  received_at: number;
  sent_at: number | null;
  size: number;
  base_subject: string;
  /** First address of each envelope field a criterion reads, pulled out of the JSON by the database. */
  from_address?: string | null;
  from_name?: string | null;
  from_group?: string | null;
  to_address?: string | null;
  to_name?: string | null;
  to_group?: string | null;
  cc_address?: string | null;
  cc_group?: string | null;
}

// Characters whose titlecase differs from their uppercase: the Latin digraphs (U+01C4-U+01CC,
// U+01F1-U+01F3 titlecase to the capital-small form) and Georgian Mkhedruli, which titlecases to itself.
const TITLECASE: Record<string, string> = {
  '\u01c4': '\u01c5',
  '\u01c5': '\u01c5',
  '\u01c6': '\u01c5',
  '\u01c7': '\u01c8',
  '\u01c8': '\u01c8',
  '\u01c9': '\u01c8',
  '\u01ca': '\u01cb',
  '\u01cb': '\u01cb',
  '\u01cc': '\u01cb',
  '\u01f1': '\u01f2',
  '\u01f2': '\u01f2',
  '\u01f3': '\u01f2',
};

function titlecase(ch: string): string {
  const mapped = TITLECASE[ch];
  if (mapped !== undefined) return mapped;
  if (ch >= '\u10d0' && ch <= '\u10ff') return ch;
  const upper = ch.toUpperCase();
  // Only one-to-one (simple) mappings count: "ß" stays "ß" rather than becoming "SS".
  return upper.length === ch.length ? upper : ch;
}

/**
 * RFC 5051 i;unicode-casemap, which RFC 5256 §2.1 names for SORT and THREAD: each character
 * mapped to its titlecase, then NFKD. Titlecase, not lowercase, is what decides where "[" and
 * "_" fall against letters: "C" < "[XYZ]" < "_".
 */
export function casemap(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text.toUpperCase();
  let out = '';
  for (const ch of text) out += titlecase(ch);
  return out.normalize('NFKD');
}

// i;unicode-casemap compares the UTF-8 octets, i.e. by code point; UTF-16 code units order
// astral characters below U+E000-U+FFFF, so surrogates are compared as the code points they form.
function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return (a.codePointAt(i) ?? x) - (b.codePointAt(i) ?? y);
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The first IMAP address structure of a field (RFC 9051 §7.5.2). When the field starts with a
 * group, that is the group's start marker: the group name as addr-mailbox, no name, no host.
 */
interface FirstAddress {
  name: string;
  mailbox: string;
  host: string | null;
}

function firstAddress(group: string | null | undefined, name: string | null | undefined, address: string | null | undefined): FirstAddress | null {
  if (group !== null && group !== undefined) return { name: '', mailbox: group, host: null };
  if (address === null || address === undefined) return null;
  const at = address.lastIndexOf('@');
  return { name: name ?? '', mailbox: at < 0 ? address : address.slice(0, at), host: at < 0 ? null : address.slice(at + 1) };
}

/** RFC 5256 §3: the addr-mailbox of the first address; '' when there is none, which sorts first. */
function mailboxKey(first: FirstAddress | null): string {
  return casemap(first?.mailbox ?? '');
}

/**
 * RFC 5957 §3: the first address's display name, RFC 2047-decoded, if that is not empty; else
 * addr-mailbox@addr-host; else addr-mailbox (so a group sorts by its name); else ''.
 */
function displayKey(first: FirstAddress | null): string {
  if (!first) return '';
  const decoded = first.name ? decodeHeaderValue(first.name) : '';
  if (decoded !== '') return casemap(decoded);
  return casemap(first.host !== null ? `${first.mailbox}@${first.host}` : first.mailbox);
}

type SortValue = string | number;

function keyOf(key: SortKey, row: SortRow): SortValue {
  switch (key) {
    case 'arrival':
      return row.received_at;
    case 'date':
      return row.sent_at ?? row.received_at;
    case 'size':
      return row.size;
    case 'subject':
      return casemap(row.base_subject);
    case 'from':
      return mailboxKey(firstAddress(row.from_group, row.from_name, row.from_address));
    case 'to':
      return mailboxKey(firstAddress(row.to_group, row.to_name, row.to_address));
    case 'cc':
      return mailboxKey(firstAddress(row.cc_group, null, row.cc_address));
    case 'displayfrom':
      return displayKey(firstAddress(row.from_group, row.from_name, row.from_address));
    case 'displayto':
      return displayKey(firstAddress(row.to_group, row.to_name, row.to_address));
  }
}

type EnvelopePart = [field: string, property: 'address' | 'name' | 'group'];

/**
 * Envelope parts each key reads. `group` is the name of the group that starts the field, from
 * `Envelope.groups` (null when the field starts with an address or the envelope predates it).
 */
const ENVELOPE_PARTS: Partial<Record<SortKey, EnvelopePart[]>> = {
  from: [
    ['from', 'address'],
    ['from', 'group'],
  ],
  to: [
    ['to', 'address'],
    ['to', 'group'],
  ],
  cc: [
    ['cc', 'address'],
    ['cc', 'group'],
  ],
  displayfrom: [
    ['from', 'address'],
    ['from', 'name'],
    ['from', 'group'],
  ],
  displayto: [
    ['to', 'address'],
    ['to', 'name'],
    ['to', 'group'],
  ],
};

// Parsing 100,000 envelopes in JavaScript takes seconds; the databases' JSON functions take a fraction.
function envelopeColumn(dialect: Store['dialect'], [field, property]: EnvelopePart): RawBuilder<unknown> {
  const alias = sql.ref(`${field}_${property}`);
  if (property === 'group') {
    return dialect === 'sqlite'
      ? sql`json_extract(m.envelope, ${sql.lit(`$.groups.${field}[0].group`)}) as ${alias}`
      : sql`(m.envelope::json -> 'groups' -> ${sql.lit(field)} -> 0 ->> 'group') as ${alias}`;
  }
  return dialect === 'sqlite'
    ? sql`json_extract(m.envelope, ${sql.lit(`$.${field}[0].${property}`)}) as ${alias}`
    : sql`(m.envelope::json -> ${sql.lit(field)} -> 0 ->> ${sql.lit(property)}) as ${alias}`;
}

/**
 * Orders the given UIDs of a mailbox by RFC 5256 SORT criteria (with RFC 5957's DISPLAYFROM and
 * DISPLAYTO). Entries equal on every criterion keep mailbox order, i.e. ascending UID, whatever
 * REVERSE says.
 */
export async function sortEntries(store: Store, accountId: number, mailboxId: number, uids: readonly number[], criteria: readonly SortCriterion[]): Promise<number[]> {
  if (uids.length === 0) return [];
  const wanted = new Set(uids);
  const parts = new Map<string, EnvelopePart>();
  for (const c of criteria) for (const part of ENVELOPE_PARTS[c.key] ?? []) parts.set(part.join('_'), part);
  const extra = [...parts.values()].map((part) => sql`, ${envelopeColumn(store.dialect, part)}`);
  const result = await sql<SortRow>`select e.uid, m.received_at, m.sent_at, m.size, m.base_subject ${sql.join(extra, sql``)}
    from mailbox_entries e join messages m on m.id = e.message_id
    where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} order by e.uid`.execute(store.db);
  const keyed = result.rows
    .filter((row) => wanted.has(Number(row.uid)))
    .map((raw) => {
      const row: SortRow = { ...raw, uid: Number(raw.uid), received_at: Number(raw.received_at), sent_at: raw.sent_at === null ? null : Number(raw.sent_at), size: Number(raw.size) };
      return { uid: row.uid, keys: criteria.map((c) => keyOf(c.key, row)) };
    });
  keyed.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.keys[i];
      const y = b.keys[i];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : compareStrings(String(x), String(y));
      if (order !== 0) return criteria[i].reverse ? -order : order;
    }
    return a.uid - b.uid;
  });
  return keyed.map((k) => k.uid);
}
