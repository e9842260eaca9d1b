import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { DialectName } from './dialect.ts';
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
  // ASCII is its own NFKD and has no marks: most mail skips both passes. A lone space is already
  // one space, so the last pattern skips it (the lookahead) instead of replacing it with itself.
  const unmarked = NON_ASCII.test(text) ? text.normalize('NFKD').replace(/\p{M}+/gu, '') : text;
  return unmarked.toLowerCase().replace(/(?! [^\s\u0000])[\s\u0000]+/g, ' ');
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Substring search over SearchText: FTS5's trigram tokenizer on SQLite, pg_trgm on PostgreSQL.
 * Needles must be folded with `foldSearchText` first; a match is then exact, not a candidate.
 */
export interface FullTextIndex {
  /**
   * True when messages are indexed after their delivery commits, in batches (SQLite: FTS5 writes
   * a segment per transaction and flushes it at every statement savepoint, so indexing inside the
   * delivery doubled its cost); false when the delivery transaction indexes its message itself
   * (PostgreSQL: ids commit out of order there, so a watermark could skip a message).
   */
  readonly deferred: boolean;
  add(trx: Kysely<Database>, messageId: number, text: SearchText): Promise<void>;
  remove(trx: Kysely<Database>, messageIds: number[]): Promise<void>;
  /**
   * A subquery selecting the ids of every message (any account) with the folded needle in one of
   * the scopes, for `message_id in (...)`; null when the index cannot answer this needle (on
   * SQLite, one shorter than a trigram), so the caller must read the messages instead.
   */
  containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> | null;
  /** Ids of the account's messages containing the needle (folded here) in the scope, or anywhere; [] when the index cannot answer. */
  search(db: Kysely<Database>, accountId: number, needle: string, scope?: SearchScope): Promise<number[]>;
}

abstract class SubstringIndexBase implements FullTextIndex {
  abstract readonly deferred: boolean;
  abstract add(trx: Kysely<Database>, messageId: number, text: SearchText): Promise<void>;
  abstract remove(trx: Kysely<Database>, messageIds: number[]): Promise<void>;
  abstract containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> | null;

  async search(db: Kysely<Database>, accountId: number, needle: string, scope?: SearchScope): Promise<number[]> {
    const ids = this.containing(foldSearchText(needle), scope ? [scope] : ['headers', 'body']);
    if (!ids) return [];
    const rows = await sql<{ id: number }>`select m.id from messages m where m.id in (${ids}) and m.account_id = ${accountId} order by m.id`.execute(db);
    return rows.rows.map((r) => Number(r.id));
  }
}

/** Code points, not UTF-16 units: what the trigram tokenizer counts. */
const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

class SqliteSubstringIndex extends SubstringIndexBase {
  readonly deferred = true;

  async add(trx: Kysely<Database>, messageId: number, text: SearchText): Promise<void> {
    await sql`insert into message_search (rowid, subject, from_addrs, to_addrs, cc_addrs, bcc_addrs, headers, body)
      values (${messageId}, ${text.subject}, ${text.from}, ${text.to}, ${text.cc}, ${text.bcc}, ${text.headers}, ${text.body})`.execute(trx);
  }

  async remove(trx: Kysely<Database>, messageIds: number[]): Promise<void> {
    for (const id of messageIds) await sql`delete from message_search where rowid = ${id}`.execute(trx);
  }

  containing(needle: string, scopes: readonly SearchScope[]): RawBuilder<{ id: number }> | null {
    // A trigram index holds nothing for a needle of one or two characters.
    if (codePoints(needle) < 3) return null;
    // One FTS5 string is one phrase: consecutive trigrams, i.e. the needle as a substring.
    const phrase = `"${needle.replace(/"/g, '""')}"`;
    const match = scopes.length === SCOPES.length ? phrase : `{${scopes.map((s) => COLUMNS[s]).join(' ')}} : ${phrase}`;
    return sql<{ id: number }>`select rowid as id from message_search where message_search match ${match}`;
  }
}

class PostgresSubstringIndex extends SubstringIndexBase {
  readonly deferred = false;

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
}

export function createFullTextIndex(dialect: DialectName): FullTextIndex {
  return dialect === 'sqlite' ? new SqliteSubstringIndex() : new PostgresSubstringIndex();
}
