import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { DialectName } from './dialect.ts';
import type { Database } from './schema.ts';

export interface IndexedText {
  subject: string;
  addresses: string;
  body: string;
}

/** FTS5 on SQLite, tsvector on PostgreSQL: the same three calls either way. */
export interface FullTextIndex {
  add(trx: Kysely<Database>, messageId: number, text: IndexedText): Promise<void>;
  remove(trx: Kysely<Database>, messageIds: number[]): Promise<void>;
  /** Ids of the account's messages whose text matches every word of the query. */
  search(db: Kysely<Database>, accountId: number, query: string, field?: keyof IndexedText): Promise<number[]>;
  /**
   * A subquery selecting the ids of every message (any account) whose text has, for each word of
   * the query, a word starting with it; for use as `message_id in (...)`. Null when the query has no words.
   */
  matchingIds(query: string, field?: keyof IndexedText): RawBuilder<{ id: number }> | null;
}

/** Splits a user's query into words, dropping everything either engine would read as syntax. */
export function queryWords(query: string): string[] {
  return query
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_@.'-]+/u)
    .map((w) => w.replace(/^[.'@-]+|[.'@-]+$/g, ''))
    .filter((w) => w.length > 0);
}

abstract class FullTextBase implements FullTextIndex {
  abstract add(trx: Kysely<Database>, messageId: number, text: IndexedText): Promise<void>;
  abstract remove(trx: Kysely<Database>, messageIds: number[]): Promise<void>;
  abstract matchingIds(query: string, field?: keyof IndexedText): RawBuilder<{ id: number }> | null;

  async search(db: Kysely<Database>, accountId: number, query: string, field?: keyof IndexedText): Promise<number[]> {
    const ids = this.matchingIds(query, field);
    if (!ids) return [];
    const rows = await sql<{ id: number }>`select m.id from messages m where m.id in (${ids}) and m.account_id = ${accountId}`.execute(db);
    return rows.rows.map((r) => Number(r.id));
  }
}

class SqliteFullText extends FullTextBase {
  async add(trx: Kysely<Database>, messageId: number, text: IndexedText): Promise<void> {
    await sql`insert into message_fts (rowid, subject, addresses, body) values (${messageId}, ${text.subject}, ${text.addresses}, ${text.body})`.execute(trx);
  }

  async remove(trx: Kysely<Database>, messageIds: number[]): Promise<void> {
    for (const id of messageIds) await sql`delete from message_fts where rowid = ${id}`.execute(trx);
  }

  matchingIds(query: string, field?: keyof IndexedText): RawBuilder<{ id: number }> | null {
    const words = queryWords(query);
    if (words.length === 0) return null;
    // Each word quoted as an FTS5 string and matched as a prefix, so "invoi" finds "invoice" as IMAP's substring search would.
    const expr = words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
    const match = field ? `${field} : (${expr})` : expr;
    return sql<{ id: number }>`select rowid as id from message_fts where message_fts match ${match}`;
  }
}

class PostgresFullText extends FullTextBase {
  async add(trx: Kysely<Database>, messageId: number, text: IndexedText): Promise<void> {
    await sql`insert into message_fts (message_id, doc) values (${messageId},
      setweight(to_tsvector('simple', ${text.subject}), 'A') || setweight(to_tsvector('simple', ${text.addresses}), 'B') || setweight(to_tsvector('simple', ${text.body}), 'D'))`.execute(trx);
  }

  async remove(trx: Kysely<Database>, messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    await sql`delete from message_fts where message_id in (${sql.join(messageIds)})`.execute(trx);
  }

  matchingIds(query: string, field?: keyof IndexedText): RawBuilder<{ id: number }> | null {
    const words = queryWords(query);
    if (words.length === 0) return null;
    const weight = field === 'subject' ? ':*A' : field === 'addresses' ? ':*B' : field === 'body' ? ':*D' : ':*';
    const tsquery = words.map((w) => `'${w.replace(/'/g, "''").replace(/\\/g, '\\\\')}'${weight}`).join(' & ');
    return sql<{ id: number }>`select message_id as id from message_fts where doc @@ to_tsquery('simple', ${tsquery})`;
  }
}

export function createFullTextIndex(dialect: DialectName): FullTextIndex {
  return dialect === 'sqlite' ? new SqliteFullText() : new PostgresFullText();
}
