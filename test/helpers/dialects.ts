import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { openStore, type Store } from '../../src/store/database.ts';
import { createTestDatabase, POSTGRES_SKIP_MESSAGE } from './postgres.ts';

export interface DialectFixture {
  name: 'sqlite' | 'postgres';
  /** Opens a store on a fresh database (SQLite in a temp dir, or a new PostgreSQL database). */
  open(): Promise<Store>;
  /** Re-opens the same database, as a restart would. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function sqliteFixture(): Promise<DialectFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-store-'));
  const open = () => openStore({ dataDir: dir, database: 'sqlite' });
  return { name: 'sqlite', open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the same suite on SQLite and on PostgreSQL. Without a reachable PostgreSQL the second half
 * is skipped with a warning on stderr and a skipped test in the report, never silently.
 */
export function forEachDialect(title: string, suite: (fixture: () => DialectFixture) => void): void {
  describe(`${title} [sqlite]`, async () => {
    const fixture = await sqliteFixture();
    suite(() => fixture);
  });
  describe(`${title} [postgres]`, async () => {
    const database = await createTestDatabase();
    if (!database) {
      process.stderr.write(`\n*** ${POSTGRES_SKIP_MESSAGE} ***\n`);
      test(`${title} on PostgreSQL`, { skip: POSTGRES_SKIP_MESSAGE }, () => {});
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'petrel-store-pg-'));
    const open = () => openStore({ dataDir: dir, database: database.url });
    const fixture: DialectFixture = {
      name: 'postgres',
      open,
      reopen: open,
      cleanup: async () => {
        await database.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    suite(() => fixture);
  });
}
