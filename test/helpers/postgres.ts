import { randomBytes } from 'node:crypto';
import pg from 'pg';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);

const ADMIN_URL = process.env.PETREL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty PostgreSQL database for one test file, or null when no server answers. Callers
 * skip with a loud message then (never silently): see `postgresOrSkip`.
 */
export async function createTestDatabase(): Promise<TestDatabase | null> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    // Only "no server there" means skip; a server that answers with an error (too many
    // clients, bad credentials) is a failure the run must show.
    if (UNREACHABLE.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  const name = `petrel_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export const POSTGRES_SKIP_MESSAGE = `PostgreSQL is not reachable at ${ADMIN_URL} (set PETREL_TEST_PG): SKIPPING the PostgreSQL half of this suite`;
