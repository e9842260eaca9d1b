import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';

import type { Store } from '../store/database.ts';
import { INDEXED_THROUGH, REMOVED_THROUGH } from '../store/fulltext.ts';
import { openSearchIndexFile } from '../store/search-index-file.ts';
import { searchIndexStatus, type SearchIndexStatus } from './search-index-status.ts';
import { SearchIndexer } from './search-indexer.ts';

const POLL_MS = 200;

/**
 * Empties SQLite's substring index and puts its watermark back to the bottom, in one transaction,
 * so search reads every message itself until the index is built again. The removals queued so far
 * are marked applied: they are for messages already gone from `messages`, which indexing skips.
 * Returns false on PostgreSQL, whose index is written by each delivery and has nothing to rebuild.
 */
export async function emptySearchIndex(store: Pick<Store, 'db' | 'fulltext'>): Promise<boolean> {
  const { fulltext } = store;
  if (!fulltext.deferred) return false;
  // Read before the reset: an expunge queued after this read has a higher seq and is still applied.
  const { rows } = await sql<{ seq: number | null }>`select max(seq) as seq from search_removals`.execute(store.db);
  const removedThrough = Number(rows[0]?.seq ?? 0);
  const index = openSearchIndexFile(fulltext.files.searchIndex);
  try {
    const setState = index.prepare('update search_state set value = ? where key = ?');
    index
      .transaction(() => {
        // A contentless table has no rows to delete one by one; 'delete-all' drops every segment.
        index.exec(`insert into message_search (message_search) values ('delete-all')`);
        setState.run(0, INDEXED_THROUGH);
        setState.run(removedThrough, REMOVED_THROUGH);
      })
      // An indexing thread of a running server commits its batch first, or finds the watermark
      // moved under it and leaves the batch to this one (see indexBatch in search-index-thread.ts).
      .immediate();
  } finally {
    index.close();
  }
  return true;
}

/**
 * Empties the index and builds it again in this process, on the same low-priority thread a server
 * uses; `progress` gets the status every POLL_MS meanwhile and once at the end. Safe beside a
 * running server on the same files: each batch commits only if the watermark is still where it
 * was read, so two indexers never write the same messages. Returns null on PostgreSQL.
 */
export async function rebuildSearchIndex(
  store: Store,
  options: { progress: (status: SearchIndexStatus) => void; log: (line: string) => void },
): Promise<SearchIndexStatus | null> {
  if (!(await emptySearchIndex(store))) return null;
  const indexer = SearchIndexer.of(store);
  let indexing = true;
  let pollError: unknown = null;
  const polling = (async () => {
    while (indexing) {
      await sleep(POLL_MS);
      if (indexing) options.progress(await searchIndexStatus(store));
    }
  })().catch((err: unknown) => {
    pollError = err;
  });
  try {
    indexer.start(options.log);
    await indexer.catchUp();
  } finally {
    indexing = false;
    await polling;
    await indexer.stop();
  }
  if (pollError) throw pollError;
  const status = await searchIndexStatus(store);
  options.progress(status);
  return status;
}
