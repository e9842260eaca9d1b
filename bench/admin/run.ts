// bench/admin: how the admin API's user list and search hold up at 100,000 users. Makes the users
// directly in a temporary store (one precomputed Argon2id hash: hashing 100,000 passwords would
// measure Argon2, not the API), starts `petrel serve` on it, and times over HTTP:
//  - list: walking the user list in pages of 50 with the `next` cursor (?limit=50&after=...);
//  - search: first pages of ?q= for common, rare and absent substrings of names and addresses.
// Prints `name: value unit` lines; progress goes to stderr.
//
//   node bench/admin/run.mjs [--users 100000] [--requests 1000] [--database postgres://...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { Insertable } from 'kysely';

import { createApiToken } from '../../src/directory/api-tokens.ts';
import { ensureAdminAccount } from '../../src/directory/admin-account.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { hashPassword } from '../../src/directory/passwords.ts';
import { principalRow } from '../../src/directory/principal-row.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { openStore } from '../../src/store/database.ts';
import type { PrincipalsTable } from '../../src/store/schema.ts';
import { percentile, printFigure, round } from '../lib/figures.ts';
import { freePort, startHttpPetrel } from '../lib/http-petrel.ts';

const DOMAIN = 'bench.test';
const BATCH = 500;
const FIRST = ['anna', 'ben', 'chloe', 'dmitri', 'elif', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kaito', 'lena', 'mateo', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tariq', 'uma', 'victor', 'wen', 'ximena', 'yusuf', 'zoe'];
const LAST = ['adler', 'bianchi', 'chen', 'dubois', 'eriksen', 'fischer', 'garcia', 'haddad', 'ivanova', 'jensen', 'kowalski', 'lindqvist', 'moreau', 'nakamura', 'okafor', 'petrov', 'quispe', 'rossi', 'silva', 'tanaka', 'urban', 'vogel', 'weber', 'xu', 'yilmaz', 'zhang'];

const { values: options } = parseArgs({ options: { users: { type: 'string', default: '100000' }, requests: { type: 'string', default: '1000' }, database: { type: 'string', default: 'sqlite' } } });
const USERS = Number(options.users);
const REQUESTS = Number(options.requests);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function nameOf(i: number): { first: string; last: string } {
  return { first: FIRST[i % FIRST.length], last: LAST[Math.floor(i / FIRST.length) % LAST.length] };
}

async function populate(dataDir: string): Promise<string> {
  const store = await openStore({ dataDir, database: options.database });
  try {
    const tenant = await ensureDefaultTenant(store.db);
    await ensureAdminAccount(store.db);
    const domain = await addDomain(store.db, DOMAIN);
    const hash = await hashPassword('bench password 1');
    const started = performance.now();
    for (let from = 0; from < USERS; from += BATCH) {
      const rows: Insertable<PrincipalsTable>[] = [];
      for (let i = from; i < Math.min(USERS, from + BATCH); i++) {
        const { first, last } = nameOf(i);
        const login = `${first}.${last}.${i}@${DOMAIN}`;
        rows.push(principalRow({ tenant_id: tenant.id, kind: 'user', login, display_name: `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`, password_hash: hash, role: 'user' }));
      }
      await store.db.transaction().execute(async (trx) => {
        const made = await trx.insertInto('principals').values(rows).returning(['id', 'login']).execute();
        await trx
          .insertInto('addresses')
          .values(made.map((p) => ({ address: p.login ?? '', domain_id: domain.id, principal_id: p.id, is_primary: 1 })))
          .execute();
      });
    }
    printFigure('users', String(USERS));
    printFigure('populate', round((performance.now() - started) / 1000), 's');
    const admin = await store.db.selectFrom('principals').select('id').where('login', '=', 'admin').executeTakeFirstOrThrow();
    return (await createApiToken(store.db, { principalId: admin.id, name: 'bench', scopes: ['directory:read'] })).token;
  } finally {
    await store.close();
  }
}

interface Page {
  items: { address: string }[];
  next: string | null;
}

async function timedGet(url: string, token: string): Promise<{ ms: number; page: Page }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const page = (await response.json()) as Page;
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(page)}`);
  return { ms, page };
}

function report(name: string, samples: number[]): void {
  const sorted = [...samples].sort((x, y) => x - y);
  for (const p of [50, 95, 99]) printFigure(`${name}_p${p}`, round(percentile(sorted, p)), 'ms');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-admin-'));
  try {
    log(`populating ${USERS} users in ${dataDir} (${options.database})`);
    const token = await populate(dataDir);
    const port = await freePort();
    const stop = await startHttpPetrel(dataDir, options.database, port);
    try {
      const base = `http://127.0.0.1:${port}/api/v1/users`;
      // Warm the statement cache and the page cache before measuring.
      for (let i = 0; i < 20; i++) await timedGet(`${base}?limit=50`, token);

      log(`list: ${REQUESTS} pages of 50 by cursor`);
      const list: number[] = [];
      let after: string | null = null;
      let listed = 0;
      while (list.length < REQUESTS) {
        const { ms, page }: { ms: number; page: Page } = await timedGet(`${base}?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`, token);
        list.push(ms);
        listed += page.items.length;
        after = page.next;
      }
      report('list', list);
      printFigure('list_users_walked', String(listed));

      // Common (a first name: thousands of hits), rare (one user's number: one hit, the rest scanned)
      // and absent substrings: the last two are the worst case of a substring search.
      const terms = (i: number): string => [FIRST[i % FIRST.length], `.${(i * 7919) % USERS}@`, `nobody${i}`][i % 3];
      log(`search: ${REQUESTS} first pages of ?q=`);
      const search: number[] = [];
      const byKind: Record<string, number[]> = { common: [], rare: [], absent: [] };
      for (let i = 0; i < REQUESTS; i++) {
        const { ms } = await timedGet(`${base}?limit=50&q=${encodeURIComponent(terms(i))}`, token);
        search.push(ms);
        byKind[['common', 'rare', 'absent'][i % 3]].push(ms);
      }
      report('search', search);
      for (const [kind, samples] of Object.entries(byKind)) printFigure(`search_${kind}_p95`, round(percentile([...samples].sort((x, y) => x - y), 95)), 'ms');
    } finally {
      await stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
