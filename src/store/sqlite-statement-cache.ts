import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const MAX_STATEMENTS = 1000;

/**
 * Kysely's SQLite driver calls `prepare` for every query, and compiling SQL is a large share of a
 * small query's cost. Statements are keyed by their SQL text (parameters are bound per call), so
 * the delivery path's dozen queries compile once. Queries with `IN (…)` lists of varying length
 * make new texts, so the cache is simply emptied when it grows past a bound.
 */
export function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string): SqliteStatement {
      // Kysely opens transactions with a plain BEGIN, which takes the write lock only at the
      // first write; if another process (a CLI command beside the server) wrote in between, the
      // upgrade fails at once with SQLITE_BUSY instead of waiting. Every transaction we run
      // writes, so take the lock up front, where busy_timeout applies.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= MAX_STATEMENTS) cache.clear();
        statement = database.prepare(sql) as unknown as SqliteStatement;
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
