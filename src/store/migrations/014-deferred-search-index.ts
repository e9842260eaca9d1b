import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * The settings key holding the highest message id the substring index has caught up with, on
 * SQLite, where indexing runs after the delivery commit instead of inside it (src/mail/search-indexer.ts):
 * messages above it are stored but not indexed yet, and search reads them instead.
 */
export const INDEXED_THROUGH_KEY = 'search.indexed_through';

/**
 * Until now every delivery indexed its message in its own transaction, so everything stored is
 * indexed (or older than the index, see 003). PostgreSQL keeps indexing inside the delivery
 * transaction: its ids are not committed in id order, so a watermark could skip a message.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`insert into settings (key, value) select ${INDEXED_THROUGH_KEY}, cast(coalesce(max(id), 0) as text) from messages`.execute(db);
  // FTS5 writes its pending terms out as a new segment whenever they pass `hashsize` (1 MiB by
  // default, about 15 messages of 5 KiB here), so a batch of hundreds became dozens of segments to
  // merge. 16 MiB of pending terms per batch took a third off the indexing time per message.
  // Stored in the table's own config, so every connection uses it.
  await sql`insert into message_search (message_search, rank) values ('hashsize', ${sql.lit(16 << 20)})`.execute(db);
}
