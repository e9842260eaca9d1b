import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';

import type { Store } from '../store/database.ts';
import { foldSearchText as fold, type SearchScope, type SearchText } from '../store/fulltext.ts';
import { UNINDEXED_THROUGH_KEY } from '../store/migrations/003-substring-search.ts';
import type { Database } from '../store/schema.ts';
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN } from './flags.ts';
import { decodeHeaderValue, parseAddressList, parseMessage, type Address, type AddressGroup, type Envelope, type HeaderField } from './mime/index.ts';
import { headerText, readHeaderBlock } from './mime/header-parser.ts';
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
  envelope: string;
  blob_hash: string;
  header_size: number;
}

/** Every index scope but the body holds at most this many characters, as the body text does (see text-extract.ts). */
const SEARCH_TEXT_LIMIT = 1 << 20;

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const ADDRESS_SCOPES = ['from', 'to', 'cc', 'bcc'] as const;
type AddressScope = (typeof ADDRESS_SCOPES)[number];
const isAddressScope = (name: string): name is AddressScope => (ADDRESS_SCOPES as readonly string[]).includes(name);

/** An address list written out the way Dovecot matches it: `Name <a@b.c>`, groups as `name: members;`. */
function addressListText(list: (Address | AddressGroup)[]): string {
  return list.map((item) => ('group' in item ? `${item.group}:${item.members.length > 0 ? ' ' : ''}${item.members.map(addressText).join(', ')};` : addressText(item))).join(', ');
}

function addressText(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

// A module function, not a closure in messageSearchText: tsx names every closure it creates.
function joinPieces(pieces: string[]): string {
  return truncate(pieces.join('\n'), SEARCH_TEXT_LIMIT);
}

/**
 * What the substring index holds of a message (see SearchText), built from its header fields and
 * body text. Delivery indexes it, and a search that cannot use the index builds it again from the
 * blob, so both decide alike. An address field is matched as written (decoded), which keeps group
 * names and comments, and as parsed, which finds `a@b.c` in `<a (comment)@ b.c>`.
 */
export function messageSearchText(fields: readonly HeaderField[], bodyText: string): SearchText {
  const lines: string[] = [];
  const addresses: Record<AddressScope, string[]> = { from: [], to: [], cc: [], bcc: [] };
  let subject: string | null = null;
  for (const field of fields) {
    const key = field.name.toLowerCase();
    const value = decodeHeaderValue(field.value);
    // '\n' starts every line: a needle never holds one (folding makes it a space), so a line
    // never matches across its neighbour, and `\nname:` finds the field itself.
    lines.push(`\n${fold(`${field.name}: ${value}`)}`);
    if (key === 'subject') subject ??= fold(value);
    else if (isAddressScope(key)) {
      const asWritten = fold(value);
      const parsed = fold(addressListText(parseAddressList(field.value)));
      addresses[key].push(asWritten);
      if (parsed !== asWritten) addresses[key].push(parsed);
    }
  }
  return {
    subject: truncate(subject ?? '', SEARCH_TEXT_LIMIT),
    from: joinPieces(addresses.from),
    to: joinPieces(addresses.to),
    cc: joinPieces(addresses.cc),
    bcc: joinPieces(addresses.bcc),
    headers: joinPieces(lines),
    body: truncate(fold(bodyText), SEARCH_TEXT_LIMIT),
  };
}

/** Per-candidate values that cost a parse or a blob read, computed at most once per entry. */
class CandidateData {
  private envelopeValue: Envelope | undefined;
  private headers: Promise<HeaderField[]> | undefined;
  private headerOnlyText: Promise<SearchText> | undefined;
  private text: Promise<SearchText> | undefined;

  constructor(
    readonly row: Candidate,
    private readonly store: Store,
  ) {}

  envelope(): Envelope {
    this.envelopeValue ??= JSON.parse(this.row.envelope) as Envelope;
    return this.envelopeValue;
  }

  /** Only the header bytes are parsed; the body is never looked at for a header search. */
  headerFields(): Promise<HeaderField[]> {
    this.headers ??= this.store.blobs
      .read(this.row.blob_hash)
      .then((raw) => readHeaderBlock(raw.subarray(0, this.row.header_size), 0, () => false).fields.map((f) => ({ name: f.name, value: headerText(f) })));
    return this.headers;
  }

  /** The index's text of the header scopes (the body left empty), as delivery built it. */
  headerSearchText(): Promise<SearchText> {
    this.headerOnlyText ??= this.text ?? this.headerFields().then((fields) => messageSearchText(fields, ''));
    return this.headerOnlyText;
  }

  /** The index's text of every scope, body included, as delivery built it. */
  searchText(): Promise<SearchText> {
    this.text ??= this.store.blobs.read(this.row.blob_hash).then((raw) => {
      const parsed = parseMessage(raw);
      return messageSearchText(parsed.headers, parsed.searchText);
    });
    return this.text;
  }
}

interface SearchContext {
  store: Store;
  accountId: number;
  now: number;
  /** Messages the substring index does not hold, which are read instead. */
  gaps: IndexGaps;
  /** Index matches per query, for the rare tree where the index result must be tested row by row. */
  indexSets: Map<string, Promise<Set<number>>>;
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

function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

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

/**
 * A needle looked up in the substring index, exact where the index answers it. `verify` decides
 * for messages the index does not hold (stored before it existed, or not indexed yet) and, on
 * SQLite, for needles shorter than a trigram, by reading the message.
 */
function indexed(ctx: SearchContext, needle: string, scopes: SearchScope[], verify: (data: CandidateData) => Promise<boolean>): Compiled {
  const ids = ctx.store.fulltext.containing(needle, scopes);
  if (!ids) return { condition: null, exact: false, joinsMessages: false, test: verify };
  const matched = (): Promise<Set<number>> => {
    const key = `${scopes.join(' ')}\u0000${needle}`;
    let set = ctx.indexSets.get(key);
    if (!set) {
      set = sql<{ id: number }>`select m.id from messages m where m.id in (${ids}) and m.account_id = ${ctx.accountId}`
        .execute(ctx.store.fulltext.reader)
        .then((rows) => new Set(rows.rows.map((r) => Number(r.id))));
      ctx.indexSets.set(key, set);
    }
    return set;
  };
  const inIndex = async (data: CandidateData, applied: boolean): Promise<boolean> => applied || (await matched()).has(data.row.message_id);
  const condition = sql<SqlBool>`e.message_id in (${ids})`;
  const gaps = ctx.gaps;
  const unindexed = unindexedCondition(gaps, 'e.message_id');
  if (!unindexed) return { condition, exact: true, joinsMessages: false, test: inIndex };
  return {
    condition: sql<SqlBool>`(${condition} or ${unindexed})`,
    exact: false,
    joinsMessages: false,
    test: (data, applied) => (isUnindexed(gaps, data.row.message_id) ? verify(data) : inIndex(data, applied)),
  };
}

/**
 * RFC 9051 §6.4.4: a substring of the field's decoded value; an empty string matches any message
 * that has the field. Subject and the address fields have index scopes of their own; any other
 * field is narrowed by the header lines (the text occurs in one, or else the field exists) and
 * then decided on the candidates' header bytes.
 */
function compileHeader(ctx: SearchContext, field: string, value: string): Compiled {
  const name = fold(field);
  const needle = fold(value);
  const line = `\n${name}:`;
  const exists = indexed(ctx, line, ['headers'], async (data) => (await data.headerSearchText()).headers.includes(line));
  if (needle === '') return exists;
  if (name === 'subject' || isAddressScope(name)) {
    return indexed(ctx, needle, [name], async (data) => (await data.headerSearchText())[name].includes(needle));
  }
  const verify = async (data: CandidateData): Promise<boolean> =>
    (await data.headerFields()).some((f) => f.name.toLowerCase() === name && fold(decodeHeaderValue(f.value)).includes(needle));
  // The text usually narrows far more than the field's existence, and one index lookup is cheaper than two.
  const byText = indexed(ctx, needle, ['headers'], verify);
  return { condition: byText.condition ?? exists.condition, exact: false, joinsMessages: false, test: verify };
}

/** BODY and TEXT: substrings of the body text, and for TEXT of every header line too (RFC 9051 §6.4.4). */
function compileText(ctx: SearchContext, field: 'body' | 'text', value: string): Compiled {
  const needle = fold(value);
  if (needle === '') return ALL;
  return indexed(ctx, needle, field === 'body' ? ['body'] : ['headers', 'body'], async (data) => {
    const text = await data.searchText();
    return text.body.includes(needle) || (field === 'text' && text.headers.includes(needle));
  });
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
 * The messages the substring index cannot answer for: those stored before it existed (ids up to
 * `before`, fixed by migration 003) and, where indexing is deferred (SQLite, see
 * search-indexer.ts), those stored since the indexer last caught up (ids above `after`).
 */
export interface IndexGaps {
  before: number;
  after: number;
}

/**
 * Read per search: `after` moves with every index batch. Once the indexer has caught up with the
 * newest message, `after` is Infinity, so the index answers alone and the query stays exact; a
 * message committed between this read and the search's own query may then be left out of this
 * one search, as if it had arrived a moment later.
 */
export async function indexGaps(store: Store): Promise<IndexGaps> {
  const { rows } = await sql<{ before: string | null; newest: number | null }>`select
      (select value from settings where key = ${UNINDEXED_THROUGH_KEY}) as before,
      (select max(id) from messages) as newest`.execute(store.db);
  const before = Number(rows[0]?.before ?? 0);
  if (!store.fulltext.deferred) return { before, after: Infinity };
  const after = await store.fulltext.indexedThrough();
  return { before, after: after >= Number(rows[0]?.newest ?? 0) ? Infinity : after };
}

export function isUnindexed(gaps: IndexGaps, messageId: number): boolean {
  return messageId <= gaps.before || messageId > gaps.after;
}

/** SQL true for the ids in a column (`e.message_id`, `m.id`) that the index does not hold; null when it holds every one. */
export function unindexedCondition(gaps: IndexGaps, column: string): RawBuilder<SqlBool> | null {
  const parts: RawBuilder<SqlBool>[] = [];
  if (gaps.before > 0) parts.push(sql<SqlBool>`${sql.ref(column)} <= ${gaps.before}`);
  if (Number.isFinite(gaps.after)) parts.push(sql<SqlBool>`${sql.ref(column)} > ${gaps.after}`);
  return parts.length === 0 ? null : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The UIDs of a mailbox's entries that match the key, ascending. What the columns and the
 * substring index can decide (flags, UIDs, internal dates, sizes, modseq, object ids, Subject,
 * address fields, BODY, TEXT) runs as one SQL query; only entries that query lets through are read
 * further: for other header fields, the Date: header's own day, needles too short for trigrams,
 * and messages the index does not hold (see IndexGaps).
 */
export async function searchMailbox(store: Store, accountId: number, mailboxId: number, key: SearchKey, now = Date.now()): Promise<number[]> {
  const ctx: SearchContext = { store, accountId, now, gaps: await indexGaps(store), indexSets: new Map() };
  const compiled = compile(ctx, key);
  // The index's subqueries run where the index is visible.
  const db: Kysely<Database> = store.fulltext.reader;
  const where = compiled.condition ?? sql<SqlBool>`1 = 1`;
  if (compiled.exact) {
    const join = compiled.joinsMessages ? sql`join messages m on m.id = e.message_id` : sql``;
    const rows = await sql<{ uid: number }>`select e.uid from mailbox_entries e ${join}
      where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} and ${where} order by e.uid`.execute(db);
    return rows.rows.map((r) => Number(r.uid));
  }
  const rows = await sql<Candidate>`select e.uid, e.message_id, e.flags, e.keywords, e.modseq, m.size, m.received_at, m.sent_at, m.thread_id,
      m.envelope, m.blob_hash, m.header_size
    from mailbox_entries e join messages m on m.id = e.message_id
    where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} and ${where} order by e.uid`.execute(db);
  const matches: number[] = [];
  for (const raw of rows.rows) {
    const row: Candidate = { ...raw, uid: Number(raw.uid), message_id: Number(raw.message_id), modseq: Number(raw.modseq), size: Number(raw.size), received_at: Number(raw.received_at), sent_at: raw.sent_at === null ? null : Number(raw.sent_at), thread_id: Number(raw.thread_id), header_size: Number(raw.header_size) };
    if (await compiled.test(new CandidateData(row, store), true)) matches.push(row.uid);
  }
  return matches;
}
