import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';

import { openStore } from '../../src/store/database.ts';
import { createTestDatabase, POSTGRES_SKIP_MESSAGE } from '../helpers/postgres.ts';

test('a PostgreSQL connection the server terminates while idle neither ends the process nor the store', async (t) => {
  const database = await createTestDatabase();
  if (!database) {
    t.skip(POSTGRES_SKIP_MESSAGE);
    process.stderr.write(`${POSTGRES_SKIP_MESSAGE}\n`);
    return;
  }
  const store = await openStore({ dataDir: '/nonexistent', database: database.url });
  try {
    await store.db.selectFrom('tenants').select('id').execute();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // What a PostgreSQL restart or an administrator does to the store's idle pooled connections.
    const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await admin.end();
    assert.ok(killed.rowCount && killed.rowCount > 0, 'the store had an idle connection to terminate');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rows = await store.db.selectFrom('tenants').select('id').execute();
    assert.ok(Array.isArray(rows), 'the next query runs on a new connection');
  } finally {
    await store.close();
    await database.drop();
  }
});
