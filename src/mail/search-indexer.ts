import type { Worker } from 'node:worker_threads';

import type { Store } from '../store/database.ts';
import type { SearchText } from '../store/fulltext.ts';
import { typescriptThread } from '../store/typescript-thread.ts';
import type { FromIndexThread, ToIndexThread } from './search-index-thread.ts';

/** What the indexer needs of a store; the Store itself, which also keys the one indexer per store. */
export type IndexedStore = Pick<Store, 'db' | 'blobs' | 'fulltext' | 'onClose'>;

/** Characters of text a stopped indexer keeps for its next thread (about 32 MiB); past this the blobs are read instead. */
const MAX_PENDING_CHARS = 16 << 20;

const indexers = new WeakMap<IndexedStore, SearchIndexer>();

/**
 * Keeps SQLite's substring index (src/store/fulltext.ts) up to date after deliveries commit. The
 * delivery hands over the search text it built with the parse (on an inspection thread, for
 * inbound mail); a thread of low priority (search-index-thread.ts) writes batches into the index's
 * own file, each moving the watermark with it. Search reads messages above the watermark instead
 * of asking the index (see `indexGaps` in search.ts), so results are the same at once, and a crash
 * only delays indexing: at start, and whenever texts are missing, the thread builds them again
 * from the blobs. Derived data only: a 250 never waits for it. PostgreSQL indexes inside the
 * delivery, and this does nothing there.
 */
export class SearchIndexer {
  private thread: Worker | null = null;
  private readonly waiting = new Map<number, () => void>();
  private nextTicket = 1;
  private stopped = false;
  private readonly pending: { id: number; hash: string; text: SearchText }[] = [];
  private pendingChars = 0;
  private log: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

  private constructor(private readonly store: IndexedStore) {
    // A store that closes takes its indexing thread with it, having indexed what it remembers.
    store.onClose(() => this.stop());
  }

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
    if (this.store.fulltext.deferred) this.post({ type: 'run' });
  }

  /**
   * Called by a delivery, inside its transaction, for a message that is not committed yet; the
   * thread picks it up once it is (a message whose transaction rolls back is simply never found).
   * A stopped indexer keeps the text for its next start.
   */
  defer(messageId: number, hash: string, text: SearchText): void {
    if (!this.stopped) {
      this.post({ type: 'text', id: messageId, hash, text });
      return;
    }
    const length = Object.values(text).reduce((sum, part) => sum + part.length, 0);
    if (this.pendingChars + length > MAX_PENDING_CHARS) return;
    this.pending.push({ id: messageId, hash, text });
    this.pendingChars += length;
  }

  /** Indexes everything stored so far; resolves once the watermark has caught up. */
  async catchUp(): Promise<void> {
    if (!this.store.fulltext.deferred) return;
    await this.request('catchUp');
    if (this.stopped) await this.closeThread();
  }

  /** Lets a running batch finish and indexes what is remembered, so a clean restart reads no blobs. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.closeThread();
  }

  private async closeThread(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    await this.request('stop');
    this.thread = null;
    thread.ref();
    await exited;
  }

  private request(type: 'catchUp' | 'stop'): Promise<void> {
    return new Promise((resolve) => {
      const ticket = this.nextTicket++;
      this.waiting.set(ticket, resolve);
      this.post({ type, ticket });
      // Someone waits for the answer: until it comes the thread keeps the process alive.
      this.thread?.ref();
    });
  }

  private post(message: ToIndexThread): void {
    this.ensureThread().postMessage(message);
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const { fulltext } = this.store;
    if (!fulltext.deferred) throw new Error('the substring index of this store is written by its deliveries');
    const thread = typescriptThread(new URL('./search-index-thread.ts', import.meta.url), fulltext.files);
    // Never what keeps a process alive: what is left is indexed at the next start.
    thread.unref();
    thread.on('message', (message: FromIndexThread) => {
      if (message.type === 'log') this.log(message.line);
      else this.settle(message.ticket);
    });
    const gone = (reason: string | null): void => {
      if (this.thread !== thread) return;
      this.thread = null;
      if (reason) this.log(`search index: indexing thread stopped (${reason}); the next delivery starts another`);
      // Nobody waits forever on a thread that is gone.
      for (const ticket of [...this.waiting.keys()]) this.settle(ticket);
    };
    thread.on('error', (err) => gone(err.message));
    thread.on('exit', (code) => gone(code === 0 ? null : `exit code ${code}`));
    this.thread = thread;
    for (const { id, hash, text } of this.pending.splice(0)) thread.postMessage({ type: 'text', id, hash, text } satisfies ToIndexThread);
    this.pendingChars = 0;
    return thread;
  }

  private settle(ticket: number): void {
    const resolve = this.waiting.get(ticket);
    this.waiting.delete(ticket);
    if (this.waiting.size === 0) this.thread?.unref();
    resolve?.();
  }
}
