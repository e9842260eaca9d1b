import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';

import type { BlobStore } from '../store/blob-store.ts';
import type { FullTextIndex, SearchText } from '../store/fulltext.ts';
import { INDEXED_THROUGH_KEY } from '../store/migrations/014-deferred-search-index.ts';
import type { Database } from '../store/schema.ts';
import { parseMessage } from './mime/index.ts';
import { messageSearchText } from './search.ts';

/** What the indexer needs of a store; the Store itself, which also keys the one indexer per store. */
export interface IndexedStore {
  db: Kysely<Database>;
  blobs: BlobStore;
  fulltext: FullTextIndex;
}

/**
 * Messages per index transaction. FTS5 writes one segment per transaction (and merges segments
 * as they pile up), so a few hundred documents at a time cost far less each than one at a time;
 * the transaction still holds the write lock only for some tens of milliseconds.
 */
const BATCH = 400;
/** How long a delivered message may wait for a batch to fill before it is indexed anyway. */
const DELAY_MS = 100;
/** Characters of text kept for messages not indexed yet (about 32 MiB); past this the indexer reads the blobs instead. */
const MAX_REMEMBERED_CHARS = 16 << 20;

const textLength = (text: SearchText): number => text.subject.length + text.from.length + text.to.length + text.cc.length + text.bcc.length + text.headers.length + text.body.length;

const indexers = new WeakMap<IndexedStore, SearchIndexer>();

/**
 * Keeps the substring index (src/store/fulltext.ts) up to date after deliveries commit, where it
 * indexes in deferred mode (SQLite). The delivery hands over the search text it built with the
 * parse (on an inspection thread, for inbound mail); the indexer writes batches in transactions
 * of their own, each moving the watermark `search.indexed_through` with it. Search reads messages
 * above the watermark instead of asking the index (see `indexGaps` in search.ts), so results are
 * the same at once, and a crash only delays indexing: at start, and whenever texts are missing,
 * the indexer builds them again from the blobs. Derived data only: a 250 never waits for it.
 */
export class SearchIndexer {
  private readonly texts = new Map<number, { hash: string; text: SearchText; length: number }>();
  private rememberedChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private log: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

  private constructor(private readonly store: IndexedStore) {}

  static of(store: IndexedStore): SearchIndexer {
    let indexer = indexers.get(store);
    if (!indexer) {
      indexer = new SearchIndexer(store);
      indexers.set(store, indexer);
    }
    return indexer;
  }

  /** Server start: catches up with whatever a crash or another process left unindexed. */
  start(log: (line: string) => void): void {
    this.log = log;
    this.stopped = false;
    if (this.store.fulltext.deferred) this.schedule(0);
  }

  /**
   * Called by a delivery, inside its transaction, for a message that is not committed yet; the
   * indexer picks it up once it is (a message whose transaction rolls back is simply never found).
   */
  defer(messageId: number, hash: string, text: SearchText): void {
    const length = textLength(text);
    if (this.rememberedChars + length <= MAX_REMEMBERED_CHARS) {
      this.forget(messageId);
      this.texts.set(messageId, { hash, text, length });
      this.rememberedChars += length;
    }
    this.schedule(this.texts.size >= BATCH ? 0 : DELAY_MS);
  }

  /** Indexes everything stored so far; resolves once the watermark has caught up. */
  async catchUp(): Promise<void> {
    if (!this.store.fulltext.deferred) return;
    this.cancelTimer();
    while (this.running) await this.running;
    await this.runBatches();
  }

  /** Lets a running batch finish and indexes what is remembered, so a clean restart reads no blobs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    while (this.running) await this.running;
    if (this.texts.size > 0 && this.store.fulltext.deferred) await this.runBatches();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.running) return;
    if (this.timer && delayMs > 0) return;
    this.cancelTimer();
    // Never what keeps a process alive: what is left is indexed at the next start.
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runBatches();
    }, delayMs).unref();
  }

  private runBatches(): Promise<void> {
    const run = (async () => {
      try {
        while ((await this.indexBatch()) === BATCH) await yieldToEventLoop();
      } catch (err) {
        // Tried again with the next delivery, or at the next start; search reads those messages meanwhile.
        this.log(`search index: indexing failed: ${err instanceof Error ? err.message : String(err)}`);
        this.texts.clear();
        this.rememberedChars = 0;
      } finally {
        this.running = null;
      }
      // Deliveries that committed while this ran (or a failed batch) get the next one.
      if (this.texts.size > 0) this.schedule(DELAY_MS);
    })();
    this.running = run;
    return run;
  }

  /** One transaction: the next messages above the watermark, and the watermark moved past them. Returns how many. */
  private async indexBatch(): Promise<number> {
    const { db, blobs, fulltext } = this.store;
    const through = await readIndexedThrough(db);
    const rows = await db.selectFrom('messages').select(['id', 'blob_hash']).where('id', '>', through).orderBy('id').limit(BATCH).execute();
    const last = rows.length > 0 ? Number(rows[rows.length - 1].id) : through;
    // Texts are built before the transaction, so reading blobs never holds the write lock.
    const docs: { id: number; text: SearchText | null }[] = [];
    for (const row of rows) {
      const id = Number(row.id);
      const known = this.texts.get(id);
      docs.push({ id, text: known && known.hash === row.blob_hash ? known.text : await this.textFromBlob(id, row.blob_hash) });
    }
    if (rows.length > 0) {
      await db.transaction().execute(async (trx) => {
        // Another indexer (another process on the same file) got there first: leave it to that one.
        if ((await readIndexedThrough(trx)) !== through) return;
        // Messages expunged since they were read must not come back into the index.
        const present = new Set((await trx.selectFrom('messages').select('id').where('id', 'in', docs.map((d) => d.id)).execute()).map((r) => Number(r.id)));
        for (const doc of docs) if (doc.text && present.has(doc.id)) await fulltext.add(trx, doc.id, doc.text);
        await trx.updateTable('settings').set({ value: String(last) }).where('key', '=', INDEXED_THROUGH_KEY).execute();
      });
    }
    // Also forgets texts of deliveries that rolled back: their ids are at or below the watermark now.
    for (const id of this.texts.keys()) if (id <= last) this.forget(id);
    return rows.length;
  }

  private forget(messageId: number): void {
    const known = this.texts.get(messageId);
    if (!known) return;
    this.rememberedChars -= known.length;
    this.texts.delete(messageId);
  }

  private async textFromBlob(id: number, hash: string): Promise<SearchText | null> {
    try {
      const parsed = parseMessage(await this.store.blobs.read(hash));
      return messageSearchText(parsed.headers, parsed.searchText);
    } catch (err) {
      // A message whose bytes cannot be read cannot be searched by its text either; it is not
      // worth stopping the index for.
      this.log(`search index: message ${id} left out: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
}

async function readIndexedThrough(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', INDEXED_THROUGH_KEY).executeTakeFirst();
  if (!row) throw new Error(`setting ${INDEXED_THROUGH_KEY} is missing (migration 014)`);
  return Number(row.value);
}
