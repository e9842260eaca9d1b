import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';
import { UNINDEXED_THROUGH_KEY } from './003-substring-search.ts';
import { INDEXED_THROUGH_KEY } from './014-deferred-search-index.ts';

/**
 * SQLite: the substring index moves out of petrel.sqlite into search.sqlite
 * (src/store/search-index-file.ts), written by its own thread. Writing it in petrel.sqlite held
 * the one write lock of the mail database for tens of milliseconds per batch, on the thread that
 * also answers SMTP; it was half of that thread's work per delivered message.
 *
 * The new file starts empty with its watermark at 0, so every stored message counts as not
 * indexed (search reads those) until the indexing thread has built the index again from the
 * blobs; that also covers the messages migration 003 left out, hence `unindexed_through` 0.
 * Expunges no longer touch the index in their transaction (it is another file, with its own
 * writer): they queue the ids in `search_removals`, which the indexing thread applies. Message ids
 * are never reused (AUTOINCREMENT), so a row the index still holds for an expunged message can
 * never match another one meanwhile.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`drop table message_search`.execute(db);
  await sql`delete from settings where key = ${INDEXED_THROUGH_KEY}`.execute(db);
  await sql`update settings set value = '0' where key = ${UNINDEXED_THROUGH_KEY}`.execute(db);
  await sql`create table search_removals (seq integer primary key autoincrement, message_id integer not null)`.execute(db);
}
