// The thread that writes SQLite's substring index (search.sqlite); search-indexer.ts starts it and
// hands it the texts of delivered messages.
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';

import { EmbeddedBlobStore } from '../store/blob-store.ts';
import { INDEXED_THROUGH, REMOVED_THROUGH, type SearchIndexFiles, type SearchText } from '../store/fulltext.ts';
import type { Database } from '../store/schema.ts';
import { openSearchIndexFile } from '../store/search-index-file.ts';
import { withStatementCache } from '../store/sqlite-statement-cache.ts';
import { lowerThreadPriority } from '../store/typescript-thread.ts';
import { parseMessage } from './mime/index.ts';
import { messageSearchText } from './search.ts';

export type ToIndexThread =
  | { type: 'text'; id: number; hash: string; text: SearchText }
  | { type: 'run' }
  | { type: 'catchUp'; ticket: number }
  | { type: 'stop'; ticket: number };

export type FromIndexThread = { type: 'done'; ticket: number } | { type: 'log'; line: string };

/**
 * Messages per index transaction. FTS5 writes one segment per transaction (and merges segments as
 * they pile up), so a few hundred documents at a time cost far less each than one at a time.
 */
const BATCH = 400;
/** How long a delivered message may wait for a batch to fill before it is indexed anyway. */
const DELAY_MS = 100;
/** Characters of text kept for messages not indexed yet (about 32 MiB); past this the blobs are read instead. */
const MAX_REMEMBERED_CHARS = 16 << 20;
const REMOVALS_PER_BATCH = 2000;

const textLength = (text: SearchText): number => text.subject.length + text.from.length + text.to.length + text.cc.length + text.bcc.length + text.headers.length + text.body.length;

class IndexWriter {
  private readonly texts = new Map<number, { hash: string; text: SearchText; length: number }>();
  private rememberedChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly index: SQLite.Database;
  private readonly db: Kysely<Database>;
  private readonly blobs: EmbeddedBlobStore;
  private readonly statements;

  constructor(
    private readonly files: SearchIndexFiles,
    private readonly log: (line: string) => void,
  ) {
    this.index = openSearchIndexFile(files.searchIndex);
    const mail = new SQLite(files.database, { readonly: true });
    mail.pragma('busy_timeout = 10000');
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(mail) }) });
    this.blobs = new EmbeddedBlobStore(this.db, files.blobs);
    this.statements = {
      insert: this.index.prepare(`insert into message_search (rowid, subject, from_addrs, to_addrs, cc_addrs, bcc_addrs, headers, body) values (?, ?, ?, ?, ?, ?, ?, ?)`),
      remove: this.index.prepare('delete from message_search where rowid = ?'),
      state: this.index.prepare('select value from search_state where key = ?').pluck(),
      setState: this.index.prepare('update search_state set value = ? where key = ?'),
    };
  }

  remember(id: number, hash: string, text: SearchText): void {
    const length = textLength(text);
    if (this.rememberedChars + length <= MAX_REMEMBERED_CHARS) {
      this.forget(id);
      this.texts.set(id, { hash, text, length });
      this.rememberedChars += length;
    }
    this.schedule(this.texts.size >= BATCH ? 0 : DELAY_MS);
  }

  schedule(delayMs: number): void {
    if (this.running) return;
    if (this.timer && delayMs > 0) return;
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delayMs);
  }

  /** Indexes everything stored so far and applies the queued removals. */
  async catchUp(): Promise<void> {
    this.cancelTimer();
    while (this.running) await this.running;
    await this.run();
  }

  /** Indexes what is remembered, so a clean restart reads no blobs, and closes the files. */
  async stop(): Promise<void> {
    this.cancelTimer();
    while (this.running) await this.running;
    if (this.texts.size > 0) await this.run();
    this.index.close();
    await this.db.destroy();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): Promise<void> {
    const run = (async () => {
      try {
        while ((await this.indexBatch()) === BATCH);
        while ((await this.applyRemovals()) === REMOVALS_PER_BATCH);
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

  private state(key: string): number {
    return Number(this.statements.state.get(key));
  }

  /** One transaction: the next messages above the watermark, and the watermark moved past them. Returns how many. */
  private async indexBatch(): Promise<number> {
    const through = this.state(INDEXED_THROUGH);
    const rows = await this.db.selectFrom('messages').select(['id', 'blob_hash']).where('id', '>', through).orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) return 0;
    const last = Number(rows[rows.length - 1].id);
    const docs: { id: number; text: SearchText | null }[] = [];
    for (const row of rows) {
      const id = Number(row.id);
      const known = this.texts.get(id);
      docs.push({ id, text: known && known.hash === row.blob_hash ? known.text : await this.textFromBlob(id, row.blob_hash) });
    }
    this.makeReadRowsDurable();
    // Messages expunged since they were read must not come back into the index.
    const present = new Set((await this.db.selectFrom('messages').select('id').where('id', 'in', docs.map((d) => d.id)).execute()).map((r) => Number(r.id)));
    const { insert, setState } = this.statements;
    this.index
      .transaction(() => {
        // Another indexer (another process on the same files) got there first: leave it to that one.
        if (this.state(INDEXED_THROUGH) !== through) return;
        for (const { id, text } of docs) {
          if (text && present.has(id)) insert.run(id, text.subject, text.from, text.to, text.cc, text.bcc, text.headers, text.body);
        }
        setState.run(last, INDEXED_THROUGH);
      })
      .immediate();
    // Also forgets texts of deliveries that rolled back: their ids are at or below the watermark now.
    for (const id of this.texts.keys()) if (id <= last) this.forget(id);
    return rows.length;
  }

  /** Takes expunged messages out of the index, in queue order; returns how many removals it read. */
  private async applyRemovals(): Promise<number> {
    const through = this.state(REMOVED_THROUGH);
    const { rows } = await sql<{ seq: number; message_id: number }>`select seq, message_id from search_removals where seq > ${through} order by seq limit ${REMOVALS_PER_BATCH}`.execute(this.db);
    if (rows.length === 0) return 0;
    const { remove, setState } = this.statements;
    this.index
      .transaction(() => {
        if (this.state(REMOVED_THROUGH) !== through) return;
        for (const row of rows) remove.run(row.message_id);
        setState.run(Number(rows[rows.length - 1].seq), REMOVED_THROUGH);
      })
      .immediate();
    return rows.length;
  }

  /**
   * The rows just read were committed, but maybe not yet made durable (deliveries fsync the log
   * after COMMIT, see WalSync). A crash could still take such a message back, and with it its id,
   * which AUTOINCREMENT would then give to the next message: the index must not hold the lost
   * message's text under that id. fsync of the log (whichever descriptor) settles it; rows already
   * checkpointed out of the log are durable anyway.
   */
  private makeReadRowsDurable(): void {
    let fd: number;
    try {
      fd = openSync(`${this.files.database}-wal`, 'r');
    } catch {
      return;
    }
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private forget(messageId: number): void {
    const known = this.texts.get(messageId);
    if (!known) return;
    this.rememberedChars -= known.length;
    this.texts.delete(messageId);
  }

  private async textFromBlob(id: number, hash: string): Promise<SearchText | null> {
    try {
      const parsed = parseMessage(await this.blobs.read(hash));
      return messageSearchText(parsed.headers, parsed.searchText);
    } catch (err) {
      // A message whose bytes cannot be read cannot be searched by its text either; it is not
      // worth stopping the index for.
      this.log(`search index: message ${id} left out: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
}

const port = parentPort;
if (!port) throw new Error('search-index-thread.ts runs only as a worker thread');
// Indexing is derived work that may lag: it gets what the threads answering clients leave idle.
lowerThreadPriority();
const send = (message: FromIndexThread): void => port.postMessage(message);
const writer = new IndexWriter(workerData as SearchIndexFiles, (line) => send({ type: 'log', line }));

port.on('message', (message: ToIndexThread) => {
  switch (message.type) {
    case 'text':
      writer.remember(message.id, message.hash, message.text);
      break;
    case 'run':
      writer.schedule(0);
      break;
    case 'catchUp':
      void writer.catchUp().then(() => send({ type: 'done', ticket: message.ticket }));
      break;
    case 'stop':
      void writer.stop().then(
        () => {
          send({ type: 'done', ticket: message.ticket });
          port.close();
        },
        (err: unknown) => {
          send({ type: 'log', line: `search index: closing failed: ${err instanceof Error ? err.message : String(err)}` });
          send({ type: 'done', ticket: message.ticket });
          port.close();
        },
      );
      break;
  }
});
