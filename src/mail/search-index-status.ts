import { statSync } from 'node:fs';
import { sql } from 'kysely';

import type { Store } from '../store/database.ts';
import type { DialectName } from '../store/dialect.ts';
import { INDEXED_THROUGH, REMOVED_THROUGH } from '../store/fulltext.ts';

/** How far the substring index is behind the stored messages; what `petrel search-index status` prints. */
export interface SearchIndexStatus {
  dialect: DialectName;
  /**
   * True on SQLite, where a thread indexes after the deliveries commit (src/mail/search-indexer.ts);
   * false on PostgreSQL, where each delivery indexes its message in its own transaction.
   */
  deferred: boolean;
  /** Messages stored, in every account. */
  messages: number;
  /** Highest message id the index holds (null on PostgreSQL, which has no watermark). */
  indexedThrough: number | null;
  /** Messages above the watermark: search reads their text itself until the thread gets to them. */
  notIndexed: number;
  /** Expunges queued in `search_removals` that the index still holds rows for. */
  removalsQueued: number;
  /** search.sqlite and its write-ahead log, in bytes (null on PostgreSQL). */
  indexFileBytes: number | null;
}

/** True once the index holds every stored message and no expunged one. */
export const searchIndexCaughtUp = (status: SearchIndexStatus): boolean => status.notIndexed === 0 && status.removalsQueued === 0;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

export async function searchIndexStatus(store: Pick<Store, 'db' | 'dialect' | 'fulltext'>): Promise<SearchIndexStatus> {
  const { fulltext } = store;
  if (!fulltext.deferred) {
    const row = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { dialect: store.dialect, deferred: false, messages: Number(row.n), indexedThrough: null, notIndexed: 0, removalsQueued: 0, indexFileBytes: null };
  }
  // One statement on the connection that sees both files: one snapshot, so the counts agree with the watermarks.
  const { rows } = await sql<{ messages: number; indexed_through: number; not_indexed: number; removals_queued: number }>`
    with state as (
      select (select value from search.search_state where key = ${INDEXED_THROUGH}) as indexed_through,
             (select value from search.search_state where key = ${REMOVED_THROUGH}) as removed_through
    )
    select (select count(*) from messages) as messages,
           state.indexed_through,
           (select count(*) from messages where id > state.indexed_through) as not_indexed,
           (select count(*) from search_removals where seq > state.removed_through) as removals_queued
    from state`.execute(fulltext.reader);
  const row = rows[0];
  const path = fulltext.files.searchIndex;
  return {
    dialect: store.dialect,
    deferred: true,
    messages: Number(row.messages),
    indexedThrough: Number(row.indexed_through),
    notIndexed: Number(row.not_indexed),
    removalsQueued: Number(row.removals_queued),
    indexFileBytes: fileBytes(path) + fileBytes(`${path}-wal`),
  };
}
