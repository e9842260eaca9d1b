import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';

import type { Store } from '../store/database.ts';
import type { IndexedText } from '../store/fulltext.ts';
import type { Database } from '../store/schema.ts';
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN } from './flags.ts';
import { decodeHeaderValue, parseMessage, type Address, type Envelope } from './mime/index.ts';
import { headerText, readHeaderBlock, type RawHeaderField } from './mime/header-parser.ts';
import { parseEmailObjectId, parseThreadObjectId } from './object-ids.ts';
import type { SearchKey, UidRange } from './search-criteria.ts';
import { RANGES_PER_QUERY, uidInRanges } from './uid-ranges.ts';

const DAY_MS = 86_400_000;

const SYSTEM_FLAG_BITS = new Map([
  ['\\seen', FLAG_SEEN],
  ['\\answered', FLAG_ANSWERED],
  ['\\flagged', FLAG_FLAGGED],
  ['\\deleted', FLAG_DELETED],
  ['\\draft', FLAG_DRAFT],
]);

/** What a search may need of one entry when SQL alone cannot decide. */
interface Candidate {
  uid: number;
  message_id: number;
  flags: number;
  keywords: string;
  modseq: number;
  size: number;
  received_at: number;
  sent_at: number | null;
  thread_id: number;
  subject: string;
  from_addr: string;
  to_addr: string;
  envelope: string;
  blob_hash: string;
  header_size: number;
}

/** Per-candidate values that cost a parse or a blob read, computed at most once per entry. */
class CandidateData {
  private envelopeValue: Envelope | undefined;
  private headers: Promise<RawHeaderField[]> | undefined;
  private text: Promise<{ headers: string; body: string }> | undefined;

  constructor(
    readonly row: Candidate,
    private readonly store: Store,
  ) {}

  envelope(): Envelope {
    this.envelopeValue ??= JSON.parse(this.row.envelope) as Envelope;
    return this.envelopeValue;
  }

  /** Only the header bytes are parsed; the body is never looked at for a header search. */
  headerFields(): Promise<RawHeaderField[]> {
    this.headers ??= this.store.blobs.read(this.row.blob_hash).then((raw) => readHeaderBlock(raw.subarray(0, this.row.header_size), 0, () => false).fields);
    return this.headers;
  }

  /** Decoded header values and body text, folded for comparison. */
  searchText(): Promise<{ headers: string; body: string }> {
    this.text ??= this.store.blobs.read(this.row.blob_hash).then((raw) => {
      const parsed = parseMessage(raw);
      return { headers: fold(parsed.headers.map((h) => `${h.name}: ${decodeHeaderValue(h.value)}`).join('\n')), body: fold(parsed.searchText) };
    });
    return this.text;
  }
}

interface SearchContext {
  store: Store;
  accountId: number;
  now: number;
  /** FTS matches per query, for the rare tree where the index result must be tested row by row. */
  ftsSets: Map<string, Promise<Set<number>>>;
}

/**
 * A search key compiled for one query. `condition` holds for every matching entry (null: no
 * narrowing). When `exact`, the condition alone decides and `test` is never called; otherwise
 * `test` decides on each entry the condition let through. `applied` tells a node that its own
 * condition already filtered the rows (true down a chain of ANDs from the root), so exact parts
 * need not be tested again.
 */
interface Compiled {
  condition: RawBuilder<SqlBool> | null;
  exact: boolean;
  /** The condition reads messages columns (m.*), so the query must join them. */
  joinsMessages: boolean;
  test(data: CandidateData, applied: boolean): Promise<boolean>;
}

/** Case-insensitive, accent-insensitive (as the full-text index is), white space runs as one space. */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const isAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

function exactNode(condition: RawBuilder<SqlBool>, test: (row: Candidate) => boolean, joinsMessages = false): Compiled {
  return { condition, exact: true, joinsMessages, test: async (data) => test(data.row) };
}

const ALL = exactNode(sql<SqlBool>`1 = 1`, () => true);
const NONE = exactNode(sql<SqlBool>`1 = 0`, () => false);

function compileFlag(flag: string, set: boolean): Compiled {
  const lower = flag.toLowerCase();
  if (lower.startsWith('\\')) {
    const bit = SYSTEM_FLAG_BITS.get(lower);
    // \Recent is not kept (RFC 9051 dropped it) and unknown system flags are never set.
    if (bit === undefined) return set ? NONE : ALL;
    return exactNode(set ? sql<SqlBool>`(e.flags & ${bit}) <> 0` : sql<SqlBool>`(e.flags & ${bit}) = 0`, (row) => ((row.flags & bit) !== 0) === set);
  }
  // Keywords are IMAP atoms, ASCII, so SQL's ASCII-only lower() folds them fully.
  const pattern = likePattern(` ${lower} `);
  const has = sql<SqlBool>`(' ' || lower(e.keywords) || ' ') like ${pattern} escape '\\'`;
  return exactNode(set ? has : sql<SqlBool>`not ${has}`, (row) => row.keywords.toLowerCase().split(' ').includes(lower) === set);
}

function inRanges(uid: number, ranges: UidRange[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (uid < ranges[mid].start) hi = mid - 1;
    else if (uid > ranges[mid].end) lo = mid + 1;
    else return true;
  }
  return false;
}

function compileUids(given: UidRange[]): Compiled {
  if (given.length === 0) return NONE;
  const ranges = [...given].map((r) => ({ start: Math.min(r.start, r.end), end: Math.max(r.start, r.end) })).sort((a, b) => a.start - b.start);
  if (ranges.length <= RANGES_PER_QUERY) return exactNode(uidInRanges('e.uid', ranges), (row) => inRanges(row.uid, ranges));
  // A long sequence set would make a deep SQL expression: narrow by its span, test in memory.
  const span = sql<SqlBool>`e.uid between ${ranges[0].start} and ${Math.max(...ranges.map((r) => r.end))}`;
  return { condition: span, exact: false, joinsMessages: false, test: async (data) => inRanges(data.row.uid, ranges) };
}

function addressText(list: Address[]): string {
  return list.map((a) => (a.name ? `${decodeHeaderValue(a.name)} <${a.address}>` : a.address)).join(', ');
}

const ENVELOPE_ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc']);

/** RFC 9051 §6.4.4: a substring of the field's value; an empty string matches any message that has the field. */
function compileHeader(ctx: SearchContext, field: string, value: string): Compiled {
  const name = field.toLowerCase();
  const needle = value.toLowerCase();
  const column = name === 'subject' ? 'subject' : name === 'from' ? 'from_addr' : name === 'to' || name === 'cc' ? 'to_addr' : null;
  // SQLite's LIKE folds only ASCII, and PostgreSQL's ILIKE beyond it only under some locales, so
  // a needle with other letters is compared in memory.
  const sqlNarrows = column !== null && value !== '' && isAscii(value);
  const condition = sqlNarrows
    ? ctx.store.dialect === 'postgres'
      ? sql<SqlBool>`${sql.ref(`m.${column}`)} ilike ${likePattern(value)} escape '\\'`
      : sql<SqlBool>`${sql.ref(`m.${column}`)} like ${likePattern(value)} escape '\\'`
    : null;
  // Subject and From are stored exactly as the search reads them; To/Cc share one column.
  const exact = sqlNarrows && (name === 'subject' || name === 'from');
  if (name === 'subject' || ENVELOPE_ADDRESS_FIELDS.has(name)) {
    return {
      condition,
      exact,
      joinsMessages: condition !== null,
      async test(data, applied) {
        if (exact && applied) return true;
        const envelope = data.envelope();
        if (name === 'subject') return value === '' ? envelope.subject !== null : data.row.subject.toLowerCase().includes(needle);
        const list = name === 'from' ? envelope.from : name === 'to' ? envelope.to : name === 'cc' ? envelope.cc : envelope.bcc;
        return value === '' ? list.length > 0 : addressText(list).toLowerCase().includes(needle);
      },
    };
  }
  return {
    condition: null,
    exact: false,
    joinsMessages: false,
    async test(data) {
      const fields = (await data.headerFields()).filter((f) => f.key === name);
      if (value === '') return fields.length > 0;
      return fields.some((f) => decodeHeaderValue(headerText(f)).toLowerCase().includes(needle));
    },
  };
}

/**
 * BODY and TEXT through the full-text index, which matches words by prefix. A single word is
 * then proven to occur (the matched word contains it); anything longer is checked against the
 * decoded text of the candidates the index found. A substring that starts inside a word ("voice"
 * in "invoice") is not found, the usual trade-off of index-backed IMAP search.
 */
function compileText(ctx: SearchContext, field: 'body' | 'text', value: string): Compiled {
  if (value === '') return ALL;
  const indexField: keyof IndexedText | undefined = field === 'body' ? 'body' : undefined;
  const ids = ctx.store.fulltext.matchingIds(value, indexField);
  const needle = fold(value);
  const verify = async (data: CandidateData): Promise<boolean> => {
    const text = await data.searchText();
    return text.body.includes(needle) || (field === 'text' && text.headers.includes(needle));
  };
  if (!ids) return { condition: null, exact: false, joinsMessages: false, test: verify };
  const exact = /^[\p{L}\p{N}]+$/u.test(value);
  const ftsSet = (): Promise<Set<number>> => {
    const key = `${field}\u0000${value}`;
    let set = ctx.ftsSets.get(key);
    if (!set) {
      set = ctx.store.fulltext.search(ctx.store.db, ctx.accountId, value, indexField).then((found) => new Set(found));
      ctx.ftsSets.set(key, set);
    }
    return set;
  };
  return {
    condition: sql<SqlBool>`e.message_id in (${ids})`,
    exact,
    joinsMessages: false,
    async test(data, applied) {
      if (!applied && !(await ftsSet()).has(data.row.message_id)) return false;
      return exact || verify(data);
    },
  };
}

function utcDay(date: string): number {
  const start = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(start)) throw new RangeError(`invalid search date ${date}`);
  return start;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar day a Date: header names in its own time zone (`25 Mar 2007`), as UTC midnight; null if unreadable. */
function writtenDay(date: string | null): number | null {
  const match = date ? /(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})/i.exec(date) : null;
  if (!match) return null;
  const month = MONTHS.indexOf(match[2].toLowerCase());
  if (month < 0) return null;
  let year = Number(match[3]);
  // RFC 5322 §4.3 obsolete two- and three-digit years.
  if (match[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (match[3].length === 3) year += 1900;
  return Date.UTC(year, month, Number(match[1]));
}

/** Widest distance between a Date: header's own day and its UTC instant (UTC-12 to UTC+14). */
const ZONE_MARGIN_MS = 15 * 3_600_000;

/**
 * SENTBEFORE/SENTON/SENTSINCE compare the day written in the Date: header, "disregarding time
 * and timezone" (RFC 9051 §6.4.4): SQL narrows by the stored instant with a time-zone margin,
 * then the header's own day decides.
 */
function compileSentDate(op: 'before' | 'on' | 'since', start: number): Compiled {
  const column = sql`coalesce(m.sent_at, m.received_at)`;
  const condition =
    op === 'before'
      ? sql<SqlBool>`${column} < ${start + ZONE_MARGIN_MS}`
      : op === 'since'
        ? sql<SqlBool>`${column} >= ${start - ZONE_MARGIN_MS}`
        : sql<SqlBool>`${column} >= ${start - ZONE_MARGIN_MS} and ${column} < ${start + DAY_MS + ZONE_MARGIN_MS}`;
  const test = async (data: CandidateData): Promise<boolean> => {
    const fallback = data.row.sent_at ?? data.row.received_at;
    const day = writtenDay(data.envelope().date) ?? fallback - (fallback % DAY_MS);
    return op === 'before' ? day < start : op === 'since' ? day >= start : day === start;
  };
  return { condition, exact: false, joinsMessages: true, test };
}

function compileDate(field: 'internal' | 'sent', op: 'before' | 'on' | 'since', date: string): Compiled {
  const start = utcDay(date);
  if (field === 'sent') return compileSentDate(op, start);
  const column = sql`m.received_at`;
  const valueOf = (row: Candidate): number => row.received_at;
  if (op === 'before') return exactNode(sql<SqlBool>`${column} < ${start}`, (row) => valueOf(row) < start, true);
  if (op === 'since') return exactNode(sql<SqlBool>`${column} >= ${start}`, (row) => valueOf(row) >= start, true);
  return exactNode(sql<SqlBool>`${column} >= ${start} and ${column} < ${start + DAY_MS}`, (row) => valueOf(row) >= start && valueOf(row) < start + DAY_MS, true);
}

function compileAnd(parts: Compiled[]): Compiled {
  if (parts.length === 0) return ALL;
  if (parts.length === 1) return parts[0];
  const conditions = parts.map((p) => p.condition).filter((c) => c !== null);
  return {
    condition: conditions.length > 0 ? sql<SqlBool>`(${sql.join(conditions, sql` and `)})` : null,
    exact: parts.every((p) => p.exact),
    joinsMessages: parts.some((p) => p.joinsMessages),
    async test(data, applied) {
      for (const part of parts) if (!(await part.test(data, applied))) return false;
      return true;
    },
  };
}

function compileOr(a: Compiled, b: Compiled): Compiled {
  return {
    condition: a.condition && b.condition ? sql<SqlBool>`(${a.condition} or ${b.condition})` : null,
    exact: a.exact && b.exact,
    joinsMessages: a.joinsMessages || b.joinsMessages,
    test: async (data) => (await a.test(data, false)) || b.test(data, false),
  };
}

function compileNot(inner: Compiled): Compiled {
  // NOT of a superset says nothing, so only an exact condition can be negated in SQL.
  return {
    condition: inner.exact && inner.condition ? sql<SqlBool>`not ${inner.condition}` : null,
    exact: inner.exact,
    joinsMessages: inner.exact && inner.joinsMessages,
    test: async (data) => !(await inner.test(data, false)),
  };
}

function compile(ctx: SearchContext, key: SearchKey): Compiled {
  switch (key.type) {
    case 'all':
      return ALL;
    case 'none':
      return NONE;
    case 'and':
      return compileAnd(key.keys.map((k) => compile(ctx, k)));
    case 'or':
      return compileOr(compile(ctx, key.keys[0]), compile(ctx, key.keys[1]));
    case 'not':
      return compileNot(compile(ctx, key.key));
    case 'flag':
      return compileFlag(key.flag, key.set);
    case 'uid':
      return compileUids(key.ranges);
    case 'header':
      return compileHeader(ctx, key.field, key.value);
    case 'text':
      return compileText(ctx, key.field, key.value);
    case 'date':
      return compileDate(key.field, key.op, key.date);
    case 'age': {
      // RFC 5032: OLDER is strictly older than the interval, YOUNGER within it.
      const cutoff = ctx.now - key.seconds * 1000;
      return key.op === 'older'
        ? exactNode(sql<SqlBool>`m.received_at < ${cutoff}`, (row) => row.received_at < cutoff, true)
        : exactNode(sql<SqlBool>`m.received_at >= ${cutoff}`, (row) => row.received_at >= cutoff, true);
    }
    case 'size':
      return key.op === 'larger'
        ? exactNode(sql<SqlBool>`m.size > ${key.bytes}`, (row) => row.size > key.bytes, true)
        : exactNode(sql<SqlBool>`m.size < ${key.bytes}`, (row) => row.size < key.bytes, true);
    case 'modseq':
      return exactNode(sql<SqlBool>`e.modseq >= ${key.modseq}`, (row) => row.modseq >= key.modseq);
    case 'emailid': {
      const id = parseEmailObjectId(key.id);
      return id === null ? NONE : exactNode(sql<SqlBool>`e.message_id = ${id}`, (row) => row.message_id === id);
    }
    case 'threadid': {
      const id = parseThreadObjectId(key.id);
      return id === null ? NONE : exactNode(sql<SqlBool>`m.thread_id = ${id}`, (row) => row.thread_id === id, true);
    }
  }
}

/**
 * The UIDs of a mailbox's entries that match the key, ascending. What the columns and indexes can
 * decide (flags, UIDs, dates, sizes, modseq, object ids, From/Subject, full-text words) runs as
 * one SQL query; only entries that query lets through are read further, for header fields that
 * are not stored apart or text the index cannot prove.
 */
export async function searchMailbox(store: Store, accountId: number, mailboxId: number, key: SearchKey, now = Date.now()): Promise<number[]> {
  const ctx: SearchContext = { store, accountId, now, ftsSets: new Map() };
  const compiled = compile(ctx, key);
  const db: Kysely<Database> = store.db;
  const where = compiled.condition ?? sql<SqlBool>`1 = 1`;
  if (compiled.exact) {
    const join = compiled.joinsMessages ? sql`join messages m on m.id = e.message_id` : sql``;
    const rows = await sql<{ uid: number }>`select e.uid from mailbox_entries e ${join}
      where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} and ${where} order by e.uid`.execute(db);
    return rows.rows.map((r) => Number(r.uid));
  }
  const rows = await sql<Candidate>`select e.uid, e.message_id, e.flags, e.keywords, e.modseq, m.size, m.received_at, m.sent_at, m.thread_id,
      m.subject, m.from_addr, m.to_addr, m.envelope, m.blob_hash, m.header_size
    from mailbox_entries e join messages m on m.id = e.message_id
    where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} and ${where} order by e.uid`.execute(db);
  const matches: number[] = [];
  for (const raw of rows.rows) {
    const row: Candidate = { ...raw, uid: Number(raw.uid), message_id: Number(raw.message_id), modseq: Number(raw.modseq), size: Number(raw.size), received_at: Number(raw.received_at), sent_at: raw.sent_at === null ? null : Number(raw.sent_at), thread_id: Number(raw.thread_id), header_size: Number(raw.header_size) };
    if (await compiled.test(new CandidateData(row, store), true)) matches.push(row.uid);
  }
  return matches;
}
