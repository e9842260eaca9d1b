import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { Database } from './schema.ts';

/**
 * What the substring index holds of one message, already folded with `foldSearchText`. Address
 * and header scopes may hold several pieces (one per field, or a field's text as written and as
 * parsed), separated by '\n', which folding removes from every needle, so no match spans two pieces.
 */
export interface SearchText {
  /** The first Subject, decoded. */
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  /** Every header field as a `\nname: value` line, decoded: IMAP TEXT's header half, and what HEADER's existence test reads. */
  headers: string;
  /** Decoded text of the text/plain and text/html parts. */
  body: string;
}

export type SearchScope = keyof SearchText;

const SCOPES: SearchScope[] = ['subject', 'from', 'to', 'cc', 'bcc', 'headers', 'body'];

/** Column of each scope, the same in both dialects ("from" and "to" are SQL keywords). */
const COLUMNS: Record<SearchScope, string> = {
  subject: 'subject',
  from: 'from_addrs',
  to: 'to_addrs',
  cc: 'cc_addrs',
  bcc: 'bcc_addrs',
  headers: 'headers',
  body: 'body',
};

/**
 * The one normal form of indexed text and of needles: case-insensitive and accent-insensitive
 * (RFC 9051 §6.4.4 leaves the comparison to the server; Dovecot folds both too), white space runs
 * as one space. NUL goes with white space: PostgreSQL text cannot hold it.
 */
export function foldSearchText(text: string): string {
  // ASCII is its own NFKD and has no marks: most mail skips both passes.
  const nonAscii = NON_ASCII.test(text);
  const folded = (nonAscii ? text.normalize('NFKD').replace(/\p{M}+/gu, '') : text).toLowerCase();
  // Text already collapsed (a message's body text is) has nothing to replace: for ASCII that is
  // told by single-character searches, far cheaper than running the pattern over it.
  if (!nonAscii && !hasAsciiFoldSpace(folded)) return folded;
  // A lone space is already one space, so the pattern leaves it alone: most runs are lone spaces.
  return folded.replace(/[\s\u0000]{2,}|[^\S ]|\u0000/g, ' ');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Whether ASCII text holds white space (or NUL) other than lone spaces. */
function hasAsciiFoldSpace(text: string): boolean {
  return (
    text.includes('\n') ||
    text.includes('\r') ||
    text.includes('\t') ||
    text.includes('\0') ||
    text.includes('\v') ||
    text.includes('\f') ||
    text.includes('  ')
  );
}

/** Keys of search.sqlite's `search_state` (src/store/search-index-file.ts). Highest message id indexed: messages above it are read by search instead (see `indexGaps`). */
export const INDEXED_THROUGH = 'indexed_through';
/** Highest `search_removals.seq` (in petrel.sqlite) applied to the index. */
export const REMOVED_THROUGH = 'removed_through';

/** Where the embedded store keeps what the index is built from and the index itself. */
export interface SearchIndexFiles {
  database: string;
  searchIndex: string;
  blobs: string;
}

interface SubstringIndex {
  /**
   * The connection to run queries on that embed `containing`: on SQLite a read-only one to
   * petrel.sqlite that also sees the index file (attached as `search`), PostgreSQL's own pool.
   */
  readonly reader: Kysely<Database>;
  /** Takes expunged messages out of the index, in the transaction that expunges them. */
  remove(trx: Kysely<Database>, messageIds: number[]): Promise<void>;
  /**
   * A subquery selecting the ids of every message (any account) with the folded needle in one of
   * the scopes, for `message_id in (...)` in a query run on `reader`; null when the index cannot
   * answer this needle (on SQLite, one shorter than a trigram), so the caller must read the messages instead.
   */
  containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> | null;
  /** Ids of the account's messages containing the needle (folded here) in the scope, or anywhere; [] when the index cannot answer. */
  search(accountId: number, needle: string, scope?: SearchScope): Promise<number[]>;
}

/**
 * Substring search over SearchText: FTS5's trigram tokenizer on SQLite, pg_trgm on PostgreSQL.
 * Needles must be folded with `foldSearchText` first; a match is then exact, not a candidate.
 *
 * PostgreSQL indexes inside the delivery transaction (`add`): its ids commit out of id order,
 * so a watermark could skip a message. SQLite indexes after the commit, in batches, on a thread
 * of its own writing a file of its own (src/mail/search-indexer.ts): FTS5 writes a segment per
 * transaction, so indexing inside the delivery doubled its cost, and holding petrel.sqlite's write
 * lock while it does would stall every delivery.
 */
export type FullTextIndex =
  | (SubstringIndex & { readonly deferred: false; add(trx: Kysely<Database>, messageId: number, text: SearchText): Promise<void> })
  | (SubstringIndex & { readonly deferred: true; readonly files: SearchIndexFiles; indexedThrough(): Promise<number> });

/** Code points, not UTF-16 units: what the trigram tokenizer counts. */
const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

async function accountMessages(db: Kysely<Database>, ids: RawBuilder<{ id: number }> | null, accountId: number): Promise<number[]> {
  if (!ids) return [];
  const rows = await sql<{ id: number }>`select m.id from messages m where m.id in (${ids}) and m.account_id = ${accountId} order by m.id`.execute(db);
  return rows.rows.map((r) => Number(r.id));
}

class SqliteSubstringIndex implements SubstringIndex {
  readonly deferred = true;

  constructor(
    readonly reader: Kysely<Database>,
    readonly files: SearchIndexFiles,
  ) {}

  async remove(trx: Kysely<Database>, messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    for (const id of messageIds) await sql`insert into search_removals (message_id) values (${id})`.execute(trx);
    // What the indexing thread has applied is no longer needed.
    const applied = await sql<{ value: number }>`select value from search.search_state where key = ${REMOVED_THROUGH}`.execute(this.reader);
    await sql`delete from search_removals where seq <= ${Number(applied.rows[0]?.value ?? 0)}`.execute(trx);
  }

  async indexedThrough(): Promise<number> {
    const rows = await sql<{ value: number }>`select value from search.search_state where key = ${INDEXED_THROUGH}`.execute(this.reader);
    return Number(rows.rows[0]?.value ?? 0);
  }

  containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> | null {
    // A trigram index holds nothing for a needle of one or two characters.
    if (codePoints(needle) < 3) return null;
    // One FTS5 string is one phrase: consecutive trigrams, i.e. the needle as a substring.
    const phrase = `"${needle.replace(/"/g, '""')}"`;
    const match = scopes.length === SCOPES.length ? phrase : `{${scopes.map((s) => COLUMNS[s]).join(' ')}} : ${phrase}`;
    return sql<{ id: number }>`select rowid as id from search.message_search where message_search match ${match}`;
  }

  search(accountId: number, needle: string, scope?: SearchScope): Promise<number[]> {
    return accountMessages(this.reader, this.containing(foldSearchText(needle), scope ? [scope] : ['headers', 'body']), accountId);
  }
}

class PostgresSubstringIndex implements SubstringIndex {
  readonly deferred = false;

  constructor(readonly reader: Kysely<Database>) {}

  async add(trx: Kysely<Database>, messageId: number, text: SearchText): Promise<void> {
    await sql`insert into message_search_text (message_id, subject, from_addrs, to_addrs, cc_addrs, bcc_addrs, headers, body)
      values (${messageId}, ${text.subject}, ${text.from}, ${text.to}, ${text.cc}, ${text.bcc}, ${text.headers}, ${text.body})`.execute(trx);
  }

  async remove(trx: Kysely<Database>, messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    await sql`delete from message_search_text where message_id in (${sql.join(messageIds)})`.execute(trx);
  }

  containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> {
    // The text is stored folded, so a plain LIKE is the case-insensitive comparison; pg_trgm's
    // GIN index narrows it, and PostgreSQL rechecks every row, so short needles are exact too.
    const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const tests = scopes.map((s) => sql`${sql.ref(COLUMNS[s])} like ${pattern} escape '\\'`);
    return sql<{ id: number }>`select message_id as id from message_search_text where ${sql.join(tests, sql` or `)}`;
  }

  search(accountId: number, needle: string, scope?: SearchScope): Promise<number[]> {
    return accountMessages(this.reader, this.containing(foldSearchText(needle), scope ? [scope] : ['headers', 'body']), accountId);
  }
}

/** SQLite's index needs its read connection and files; PostgreSQL's lives in the database itself. */
export function createFullTextIndex(options: { dialect: 'sqlite'; reader: Kysely<Database>; files: SearchIndexFiles } | { dialect: 'postgres'; db: Kysely<Database> }): FullTextIndex {
  return options.dialect === 'sqlite' ? new SqliteSubstringIndex(options.reader, options.files) : new PostgresSubstringIndex(options.db);
}
