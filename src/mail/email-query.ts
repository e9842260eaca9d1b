import { sql, type RawBuilder, type SqlBool } from 'kysely';

import type { Store } from '../store/database.ts';
import { foldSearchText as fold, type SearchScope, type SearchText } from '../store/fulltext.ts';
import { FLAG_ANSWERED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN } from './flags.ts';
import { parseMessage } from './mime/index.ts';
import { indexGaps, isUnindexed, messageSearchText, unindexedCondition, type IndexGaps } from './search.ts';

/**
 * An Email/query filter (RFC 8621 §4.4.1) in mail-core terms. Unlike IMAP SEARCH it ranges over
 * the account's messages, not one mailbox's entries: a message is in a mailbox if any of its
 * entries is, and has a keyword if any of its entries has it (see email-views.ts).
 */
export type EmailFilter =
  | { op: 'and' | 'or' | 'not'; filters: EmailFilter[] }
  | { type: 'inMailbox'; mailboxId: number }
  | { type: 'inMailboxOtherThan'; mailboxIds: number[] }
  /** receivedAt strictly before / at or after, in milliseconds. */
  | { type: 'before' | 'after'; time: number }
  | { type: 'minSize' | 'maxSize'; bytes: number }
  | { type: 'keyword'; keyword: string; set: boolean }
  | { type: 'threadKeyword'; keyword: string; mode: 'all' | 'some' | 'none' }
  | { type: 'hasAttachment'; value: boolean }
  /** Substring, folded for case and accents, of these parts of the message. */
  | { type: 'text'; scope: 'text' | 'body' | 'subject' | 'from' | 'to' | 'cc' | 'bcc'; value: string }
  /** A header field by name; with a value, one whose decoded value contains it. */
  | { type: 'header'; name: string; value: string | null };

export type EmailSortKey = 'receivedAt' | 'sentAt' | 'size' | 'from' | 'to' | 'subject' | 'hasKeyword';

export interface EmailSort {
  key: EmailSortKey;
  ascending: boolean;
  keyword?: string;
}

/** JMAP's names for the IMAP system flags (RFC 8621 §4.1.1); \Deleted has none. */
export const KEYWORD_FLAGS: ReadonlyMap<string, number> = new Map([
  ['$seen', FLAG_SEEN],
  ['$flagged', FLAG_FLAGGED],
  ['$answered', FLAG_ANSWERED],
  ['$draft', FLAG_DRAFT],
]);

interface Row {
  id: number;
  thread_id: number;
  blob_hash: string;
}

/** Reads a message for the tests SQL cannot decide; once per row. */
type TextOf = (row: Row) => Promise<SearchText>;

/**
 * A compiled filter: `condition` holds for every match (null: no narrowing); when `exact` it
 * alone decides, otherwise `test` does for the rows it lets through.
 */
interface Compiled {
  condition: RawBuilder<SqlBool> | null;
  exact: boolean;
  /** `applied`: SQL has already filtered by this node's condition (true down ANDs from the root). */
  test(row: Row, textOf: TextOf, applied: boolean): Promise<boolean>;
}

const exact = (condition: RawBuilder<SqlBool>): Compiled => ({ condition, exact: true, test: async () => true });

function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL that is true when entry alias `k` has the keyword. */
export function entryHasKeyword(keyword: string, alias: string): RawBuilder<SqlBool> {
  const lower = keyword.toLowerCase();
  const bit = KEYWORD_FLAGS.get(lower);
  if (bit !== undefined) return sql<SqlBool>`(${sql.ref(`${alias}.flags`)} & ${bit}) <> 0`;
  return sql<SqlBool>`(' ' || lower(${sql.ref(`${alias}.keywords`)}) || ' ') like ${likePattern(` ${lower} `)} escape '\\'`;
}

function messageHasKeyword(keyword: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from mailbox_entries k where k.message_id = m.id and ${entryHasKeyword(keyword, 'k')})`;
}

interface Context {
  store: Store;
  accountId: number;
  /** Messages the substring index does not hold (yet): read instead. */
  gaps: IndexGaps;
}

/** A needle the substring index answers where it can; messages it cannot answer for are read. */
function indexed(ctx: Context, needle: string, scopes: SearchScope[], verify: (text: SearchText) => boolean): Compiled {
  const ids = ctx.store.fulltext.containing(needle, scopes);
  const check = async (row: Row, textOf: TextOf) => verify(await textOf(row));
  if (!ids) return { condition: null, exact: false, test: check };
  const condition = sql<SqlBool>`m.id in (${ids})`;
  const unindexed = unindexedCondition(ctx.gaps, 'm.id');
  if (!unindexed) return exact(condition);
  return {
    condition: sql<SqlBool>`(${condition} or ${unindexed})`,
    exact: false,
    test: async (row, textOf, applied) => (isUnindexed(ctx.gaps, row.id) ? check(row, textOf) : applied || decide(ctx, exact(condition), row, textOf)),
  };
}

function compileText(ctx: Context, scope: 'text' | 'body' | 'subject' | 'from' | 'to' | 'cc' | 'bcc', value: string): Compiled {
  const needle = fold(value);
  if (needle === '') return exact(sql<SqlBool>`1 = 1`);
  const scopes: SearchScope[] = scope === 'text' ? ['headers', 'body'] : [scope];
  return indexed(ctx, needle, scopes, (text) => scopes.some((s) => text[s].includes(needle)));
}

function compileHeader(ctx: Context, name: string, value: string | null): Compiled {
  const field = fold(name);
  const line = `\n${field}:`;
  if (value === null || value === '') return indexed(ctx, line, ['headers'], (text) => text.headers.includes(line));
  const needle = fold(value);
  // The header lines hold `name: value` folded; one of them must start with the name and contain the value.
  const verify = (text: SearchText) => text.headers.split('\n').some((l) => l.startsWith(`${field}:`) && l.slice(field.length + 1).includes(needle));
  const narrowed = indexed(ctx, needle, ['headers'], verify);
  return { condition: narrowed.condition, exact: false, test: async (row, textOf) => verify(await textOf(row)) };
}

function compileAnd(ctx: Context, parts: Compiled[]): Compiled {
  if (parts.length === 0) return exact(sql<SqlBool>`1 = 1`);
  if (parts.length === 1) return parts[0];
  const conditions = parts.map((p) => p.condition).filter((c) => c !== null);
  return {
    condition: conditions.length > 0 ? sql<SqlBool>`(${sql.join(conditions, sql` and `)})` : null,
    exact: parts.every((p) => p.exact),
    async test(row, textOf, applied) {
      for (const p of parts) {
        if (p.exact && applied) continue;
        if (!(await (applied ? p.test(row, textOf, true) : decide(ctx, p, row, textOf)))) return false;
      }
      return true;
    },
  };
}

function compileOr(ctx: Context, parts: Compiled[]): Compiled {
  if (parts.length === 0) return exact(sql<SqlBool>`1 = 0`);
  const all = parts.every((p) => p.condition !== null);
  const conditions = parts.map((p) => p.condition!);
  return {
    condition: all ? sql<SqlBool>`(${sql.join(conditions, sql` or `)})` : null,
    exact: parts.every((p) => p.exact),
    // An inexact part's condition is only a superset, so each part decides for itself.
    async test(row, textOf) {
      for (const p of parts) if (await decide(ctx, p, row, textOf)) return true;
      return false;
    },
  };
}

/**
 * Whether a row matches a compiled filter that SQL has not applied: only under OR and NOT of a
 * filter with inexact parts (text too short for the index), so the per-row query is rare.
 */
async function decide(ctx: Context, p: Compiled, row: Row, textOf: TextOf): Promise<boolean> {
  if (p.exact) {
    if (p.condition === null) return true;
    const hit = await sql<{ n: number }>`select 1 as n from messages m where m.id = ${row.id} and ${p.condition}`.execute(ctx.store.fulltext.reader);
    return hit.rows.length > 0;
  }
  return p.test(row, textOf, false);
}

function compileNot(ctx: Context, parts: Compiled[]): Compiled {
  const inner = compileOr(ctx, parts);
  if (inner.exact && inner.condition) return exact(sql<SqlBool>`not ${inner.condition}`);
  return { condition: null, exact: false, test: async (row, textOf) => !(await decide(ctx, inner, row, textOf)) };
}

function compile(ctx: Context, filter: EmailFilter): Compiled {
  if ('op' in filter) {
    const parts = filter.filters.map((f) => compile(ctx, f));
    return filter.op === 'and' ? compileAnd(ctx, parts) : filter.op === 'or' ? compileOr(ctx, parts) : compileNot(ctx, parts);
  }
  switch (filter.type) {
    case 'inMailbox':
      // A probe per message by mailbox_entries_message, so the newest-first walk of messages_account_received
      // stops after the first page instead of reading every entry of the mailbox. The unary plus keeps
      // SQLite, which has no statistics, from probing by the (mailbox_id, ...) indexes instead.
      return exact(sql<SqlBool>`exists (select 1 from mailbox_entries x where x.message_id = m.id and +x.mailbox_id = ${filter.mailboxId})`);
    case 'inMailboxOtherThan':
      return exact(
        filter.mailboxIds.length === 0
          ? sql<SqlBool>`1 = 1`
          : sql<SqlBool>`exists (select 1 from mailbox_entries x where x.message_id = m.id and x.mailbox_id not in (${sql.join(filter.mailboxIds)}))`,
      );
    case 'before':
      return exact(sql<SqlBool>`m.received_at < ${filter.time}`);
    case 'after':
      return exact(sql<SqlBool>`m.received_at >= ${filter.time}`);
    case 'minSize':
      return exact(sql<SqlBool>`m.size >= ${filter.bytes}`);
    case 'maxSize':
      return exact(sql<SqlBool>`m.size < ${filter.bytes}`);
    case 'keyword':
      return exact(filter.set ? messageHasKeyword(filter.keyword) : sql<SqlBool>`not ${messageHasKeyword(filter.keyword)}`);
    case 'threadKeyword': {
      const has = entryHasKeyword(filter.keyword, 'k');
      if (filter.mode === 'all') {
        return exact(sql<SqlBool>`not exists (select 1 from messages t where t.account_id = m.account_id and t.thread_id = m.thread_id
          and not exists (select 1 from mailbox_entries k where k.message_id = t.id and ${has}))`);
      }
      const some = sql<SqlBool>`exists (select 1 from messages t join mailbox_entries k on k.message_id = t.id where t.account_id = m.account_id and t.thread_id = m.thread_id and ${has})`;
      return exact(filter.mode === 'some' ? some : sql<SqlBool>`not ${some}`);
    }
    case 'hasAttachment':
      return exact(sql<SqlBool>`m.has_attachment = ${filter.value ? 1 : 0}`);
    case 'text':
      return compileText(ctx, filter.scope, filter.value);
    case 'header':
      return compileHeader(ctx, filter.name, filter.value);
  }
}

function sortExpression(sort: EmailSort): RawBuilder<unknown> {
  switch (sort.key) {
    case 'receivedAt':
      return sql`m.received_at`;
    case 'sentAt':
      return sql`coalesce(m.sent_at, m.received_at)`;
    case 'size':
      return sql`m.size`;
    case 'from':
      return sql`lower(m.from_addr)`;
    case 'to':
      return sql`lower(m.to_addr)`;
    case 'subject':
      return sql`lower(m.base_subject)`;
    case 'hasKeyword':
      return sql`case when ${messageHasKeyword(sort.keyword ?? '')} then 1 else 0 end`;
  }
}

export interface EmailQueryOptions {
  collapseThreads: boolean;
  /** How many results from the start the caller needs at least; null: all of them. */
  needed: number | null;
}

export interface EmailQueryResult {
  /** Message ids in order, one per thread when collapsed; all of them when `complete`. */
  ids: number[];
  complete: boolean;
}

const FIRST_BATCH = 256;

/** A mailbox that has never held more entries than this is read from its entries, not by walking the account. */
const SMALL_MAILBOX = 2000;

/** The inMailbox a filter requires at its top (alone, or in its top-level AND), if any. */
function requiredMailbox(filter: EmailFilter | null): number | null {
  if (filter === null) return null;
  if ('type' in filter) return filter.type === 'inMailbox' ? filter.mailboxId : null;
  if (filter.op !== 'and') return null;
  for (const f of filter.filters) {
    const id = requiredMailbox(f);
    if (id !== null) return id;
  }
  return null;
}

/**
 * Where the rows come from. Usually the account's messages, walked in sort order (newest first by
 * `messages_account_received`), each checked for the filter: the first page of a large mailbox
 * costs a page of probes. A small mailbox inside a large account would make that walk cover the
 * whole account, so its entries drive the query instead; its UIDNEXT bounds how many it ever had.
 */
async function rowSource(store: Store, accountId: number, filter: EmailFilter | null): Promise<RawBuilder<unknown>> {
  const mailboxId = requiredMailbox(filter);
  if (mailboxId !== null) {
    const box = await store.db.selectFrom('mailboxes').select('uidnext').where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirst();
    if (box && Number(box.uidnext) - 1 <= SMALL_MAILBOX) return sql`mailbox_entries d join messages m on m.id = d.message_id and d.mailbox_id = ${mailboxId}`;
  }
  return sql`messages m`;
}

/**
 * The account's messages matching the filter, in sort order, ties broken by id so that the order
 * is stable (RFC 8620 §5.5). What SQL decides runs as one query over the messages index; with
 * `needed`, only as many rows as that takes are read (newest first from `messages_account_received`
 * for the usual order), growing the batch when collapsed threads eat into it.
 */
export async function queryEmails(store: Store, accountId: number, filter: EmailFilter | null, sorts: EmailSort[], options: EmailQueryOptions): Promise<EmailQueryResult> {
  const ctx: Context = { store, accountId, gaps: await indexGaps(store) };
  const compiled = filter ? compile(ctx, filter) : null;
  const where = compiled?.condition ?? sql<SqlBool>`1 = 1`;
  const order = sorts.length > 0 ? sorts : [{ key: 'receivedAt' as const, ascending: false }];
  const last = order[order.length - 1].ascending ? sql`asc` : sql`desc`;
  const orderBy = sql.join([...order.map((s) => sql`${sortExpression(s)} ${s.ascending ? sql`asc` : sql`desc`}`), sql`m.id ${last}`]);
  const texts = new Map<number, Promise<SearchText>>();
  const textOf: TextOf = (row) => {
    let text = texts.get(row.id);
    if (!text) {
      text = store.blobs.read(row.blob_hash).then((raw) => {
        const parsed = parseMessage(raw);
        return messageSearchText(parsed.headers.map((h) => ({ name: h.name, value: h.value })), parsed.searchText);
      });
      texts.set(row.id, text);
    }
    return text;
  };
  const inexact = compiled !== null && !compiled.exact;
  const source = await rowSource(store, accountId, filter);
  let batch = options.needed === null ? null : Math.max(FIRST_BATCH, options.needed * 2);
  for (;;) {
    const limit = batch === null ? sql`` : sql`limit ${batch}`;
    const rows = await sql<Row>`select m.id, m.thread_id, m.blob_hash from ${source}
      where m.account_id = ${accountId} and ${where} order by ${orderBy} ${limit}`.execute(store.fulltext.reader);
    const ids: number[] = [];
    const seen = new Set<number>();
    const threads = new Set<number>();
    for (const raw of rows.rows) {
      const row = { id: Number(raw.id), thread_id: Number(raw.thread_id), blob_hash: raw.blob_hash };
      // A COPY into the same mailbox gives a message two entries there.
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (inexact && !(await compiled.test(row, textOf, true))) continue;
      if (options.collapseThreads) {
        if (threads.has(row.thread_id)) continue;
        threads.add(row.thread_id);
      }
      ids.push(row.id);
    }
    if (batch === null || rows.rows.length < batch) return { ids, complete: true };
    if (ids.length >= options.needed!) return { ids, complete: false };
    batch *= 4;
  }
}

/** How many messages (or threads, collapsed) match; only asked for with calculateTotal. */
export async function countEmails(store: Store, accountId: number, filter: EmailFilter | null, collapseThreads: boolean): Promise<number> {
  const ctx: Context = { store, accountId, gaps: await indexGaps(store) };
  const compiled = filter ? compile(ctx, filter) : null;
  if (compiled && !compiled.exact) return (await queryEmails(store, accountId, filter, [], { collapseThreads, needed: null })).ids.length;
  const where = compiled?.condition ?? sql<SqlBool>`1 = 1`;
  const count = collapseThreads ? sql`count(distinct m.thread_id)` : sql`count(distinct m.id)`;
  const rows = await sql<{ n: number }>`select ${count} as n from ${await rowSource(store, accountId, filter)} where m.account_id = ${accountId} and ${where}`.execute(store.fulltext.reader);
  return Number(rows.rows[0]?.n ?? 0);
}
