import SQLite from 'better-sqlite3';

import { INDEXED_THROUGH, REMOVED_THROUGH } from './fulltext.ts';

/**
 * The embedded store's substring index lives in a file of its own beside petrel.sqlite. SQLite
 * has one writer per file, and FTS5 holds that lock for tens of milliseconds while it writes a
 * batch's segment; in its own file that happens on the indexing thread (src/mail/search-indexer.ts)
 * without ever making a delivery wait. It is derived data: deleted, it is built again from the
 * stored messages.
 */
export const SEARCH_INDEX_FILE = 'search.sqlite';

const VERSION = 1;

/**
 * Opens the index file for writing, creating its tables on first use. The texts are stored folded
 * (see `foldSearchText`), so the trigram tokenizer runs case-sensitive: a match is then exact.
 */
export function openSearchIndexFile(path: string): SQLite.Database {
  const db = new SQLite(path);
  try {
    db.pragma('journal_mode = WAL');
    // What a crash loses here is rebuilt from the watermark, which commits with the index rows.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    const create = db.transaction(() => {
      // Another process may have got here first: checked again under the write lock.
      if (db.pragma('user_version', { simple: true }) === VERSION) return;
      db.exec(`create virtual table message_search using fts5(subject, from_addrs, to_addrs, cc_addrs, bcc_addrs, headers, body,
        content='', contentless_delete=1, tokenize='trigram case_sensitive 1')`);
      // FTS5 writes its pending terms out as a new segment whenever they pass `hashsize` (1 MiB by
      // default, about 15 messages of 5 KiB), so a batch of hundreds became dozens of segments to
      // merge; 16 MiB per batch took a third off the indexing time per message.
      db.exec(`insert into message_search (message_search, rank) values ('hashsize', ${16 << 20})`);
      db.exec(`create table search_state (key text primary key, value integer not null)`);
      db.prepare(`insert into search_state (key, value) values (?, 0), (?, 0)`).run(INDEXED_THROUGH, REMOVED_THROUGH);
      db.pragma(`user_version = ${VERSION}`);
    });
    if (db.pragma('user_version', { simple: true }) !== VERSION) create.immediate();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
