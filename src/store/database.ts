import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

import { DatabaseBlobStore, EmbeddedBlobStore, type BlobStore } from './blob-store.ts';
import type { DialectName } from './dialect.ts';
import { createFullTextIndex, type FullTextIndex, type SearchIndexFiles } from './fulltext.ts';
import { WalSync } from './durability.ts';
import { migrate } from './migrate.ts';
import { openSearchIndexFile, SEARCH_INDEX_FILE } from './search-index-file.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';
import type { Database } from './schema.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  blobs: BlobStore;
  fulltext: FullTextIndex;
  /** Resolves once what was committed before the call is on disk; only then may a client be told so. */
  durable(): Promise<void>;
  /** Runs `hook` at close(), before the connections go: background work on the store's files stops first. */
  onClose(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  /** `sqlite` for the embedded database under dataDir, or a postgres:// URL. */
  database: string;
}

// BIGINT (int8) and NUMERIC counts come back as strings by default; every value we keep fits in a
// double (ids, byte counts, millisecond times), so read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

function sqliteConnection(path: string, options: SQLite.Options = {}): SQLite.Database {
  const sqlite = new SQLite(path, options);
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('cache_size = -65536');
  return sqlite;
}

function openSqlite(dataDir: string): Kysely<Database> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = sqliteConnection(join(dataDir, 'petrel.sqlite'));
  // WAL lets readers run beside the writer. synchronous=NORMAL keeps fsync out of COMMIT, which
  // better-sqlite3 runs on the event loop; WalSync makes commits durable from the thread pool.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/**
 * The connection search queries run on (see FullTextIndex.reader): petrel.sqlite with the index
 * file attached, both read-only. Read-only matters beyond safety: BEGIN IMMEDIATE takes the write
 * lock of every attached file that is writable, so on the main connection the index file's writer
 * would hold up every delivery.
 */
function openSearchReader(files: SearchIndexFiles): Kysely<Database> {
  openSearchIndexFile(files.searchIndex).close();
  const sqlite = sqliteConnection(files.database, { readonly: true });
  sqlite.prepare('attach database ? as search').run(files.searchIndex);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  // An idle connection the server drops (a restart, a failover, an admin's terminate) is an
  // 'error' event on the pool; unhandled it would end the process. The pool has already thrown
  // that client away and the next query opens a new one, so there is nothing else to do.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export function dialectOf(database: string): DialectName {
  if (database === 'sqlite' || database === '') return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(database)) return 'postgres';
  throw new Error(`unsupported database "${database}": use "sqlite" or a postgres:// URL`);
}

/** Opens the database, brings its schema up to date and returns the store's parts. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const dialect = dialectOf(options.database);
  const db = dialect === 'sqlite' ? openSqlite(options.dataDir) : openPostgres(options.database);
  try {
    await migrate(db as Kysely<unknown>, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const blobsDir = join(options.dataDir, 'blobs');
  const blobs = dialect === 'sqlite' ? new EmbeddedBlobStore(db, blobsDir) : new DatabaseBlobStore(db);
  let fulltext: FullTextIndex;
  try {
    if (dialect === 'sqlite') {
      const files = { database: join(options.dataDir, 'petrel.sqlite'), searchIndex: join(options.dataDir, SEARCH_INDEX_FILE), blobs: blobsDir };
      fulltext = createFullTextIndex({ dialect, reader: openSearchReader(files), files });
    } else {
      fulltext = createFullTextIndex({ dialect, db });
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // PostgreSQL's COMMIT returns only once the transaction is durable.
  const walSync = dialect === 'sqlite' ? new WalSync(join(options.dataDir, 'petrel.sqlite-wal')) : null;
  const closeHooks: (() => Promise<void>)[] = [];
  return {
    db,
    dialect,
    blobs,
    fulltext,
    durable: () => (walSync ? walSync.durable() : Promise.resolve()),
    onClose: (hook) => closeHooks.push(hook),
    async close() {
      for (const hook of closeHooks.splice(0)) await hook();
      await walSync?.close();
      if (fulltext.reader !== db) await fulltext.reader.destroy();
      await db.destroy();
    },
  };
}
