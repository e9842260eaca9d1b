import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/** The settings key holding the highest message id delivered before the substring index existed. */
export const UNINDEXED_THROUGH_KEY = 'search.unindexed_through';

/**
 * IMAP's BODY, TEXT and header searches are substring matches (RFC 9051 §6.4.4), which a word
 * index cannot answer ("sdfghjk" inside "asdfghjkl"). The word index goes; in its place a
 * trigram index over folded text (see src/store/fulltext.ts): per address field, Subject, every
 * header line, and the body.
 *
 * Messages already stored get no index rows here (a migration has no blob store to read them
 * from); their highest id is recorded, and search reads those messages themselves.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`drop table message_fts`.execute(db);
    // Contentless: the text lives in the blobs. case_sensitive 1 because the text and needles
    // are folded before they get here, so the tokenizer must not fold again: a phrase match is
    // then exactly "contains".
    await sql`create virtual table message_search using fts5(subject, from_addrs, to_addrs, cc_addrs, bcc_addrs, headers, body,
      content='', contentless_delete=1, tokenize='trigram case_sensitive 1')`.execute(db);
  } else {
    // A trusted extension since PostgreSQL 13: a database owner may create it.
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`drop table message_fts`.execute(db);
    await sql`create table message_search_text (
      message_id bigint primary key references messages(id) on delete cascade,
      subject text not null,
      from_addrs text not null,
      to_addrs text not null,
      cc_addrs text not null,
      bcc_addrs text not null,
      headers text not null,
      body text not null
    )`.execute(db);
    // One multicolumn GIN index serves a condition on any of its columns.
    await sql`create index message_search_text_trgm on message_search_text using gin (subject gin_trgm_ops, from_addrs gin_trgm_ops,
      to_addrs gin_trgm_ops, cc_addrs gin_trgm_ops, bcc_addrs gin_trgm_ops, headers gin_trgm_ops, body gin_trgm_ops)`.execute(db);
  }
  await sql`insert into settings (key, value) select ${UNINDEXED_THROUGH_KEY}, cast(coalesce(max(id), 0) as text) from messages`.execute(db);
}
