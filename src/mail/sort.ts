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
  to_address?: string | null;
  to_name?: string | null;
  cc_address?: string | null;
}

/** RFC 5256 §2.1 / RFC 4790 i;unicode-casemap, near enough: compatibility-decomposed and case-folded. */
export function casemap(text: string): string {
  return text.normalize('NFKD').toLowerCase();
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC 5256 §3: the addr-mailbox (local part) of the first address, '' when there is none. */
function localPart(address: string | null | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  return casemap(at < 0 ? address : address.slice(0, at));
}

/** RFC 5957 §3: the first address's display name, else its addr-spec. */
function displayName(name: string | null | undefined, address: string | null | undefined): string {
  const decoded = name ? decodeHeaderValue(name) : '';
  return casemap(decoded !== '' ? decoded : (address ?? ''));
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
      return localPart(row.from_address);
    case 'to':
      return localPart(row.to_address);
    case 'cc':
      return localPart(row.cc_address);
    case 'displayfrom':
      return displayName(row.from_name, row.from_address);
    case 'displayto':
      return displayName(row.to_name, row.to_address);
  }
}

/** Envelope parts each key reads, as [envelope field, Address property]. */
const ENVELOPE_PARTS: Partial<Record<SortKey, [string, 'address' | 'name'][]>> = {
  from: [['from', 'address']],
  to: [['to', 'address']],
  cc: [['cc', 'address']],
  displayfrom: [
    ['from', 'address'],
    ['from', 'name'],
  ],
  displayto: [
    ['to', 'address'],
    ['to', 'name'],
  ],
};

// Parsing 100,000 envelopes in JavaScript takes seconds; the databases' JSON functions take a fraction.
function envelopeColumn(dialect: Store['dialect'], field: string, property: 'address' | 'name'): RawBuilder<unknown> {
  const alias = sql.ref(`${field}_${property}`);
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
  const parts = new Map<string, [string, 'address' | 'name']>();
  for (const c of criteria) for (const part of ENVELOPE_PARTS[c.key] ?? []) parts.set(part.join('_'), part);
  const extra = [...parts.values()].map(([field, property]) => sql`, ${envelopeColumn(store.dialect, field, property)}`);
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
