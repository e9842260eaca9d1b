// The dashboard's figures in the admin service, on both store dialects: the hourly traffic
// counters (several deliveries of one hour add up, hours without traffic read as zero, a message
// to several people of one organisation counts once for it), the outbound queue by state, and
// who may read what: a tenant admin only its own organisation, a super-admin all or one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { actorForPrincipal } from '../../src/admin/actor.ts';
import * as admins from '../../src/admin/admins.ts';
import { cliContext, type AdminContext } from '../../src/admin/context.ts';
import * as domains from '../../src/admin/domains.ts';
import { overview, storageByAccount, traffic } from '../../src/admin/stats.ts';
import * as tenants from '../../src/admin/tenants.ts';
import * as users from '../../src/admin/users.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { countReceived, countSubmitted, hourOf, trafficByHour } from '../../src/mail/traffic-stats.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const PASSWORD = 'a long enough password';
const HOUR = 3_600_000;

async function contextFor(store: Store, login: string): Promise<AdminContext> {
  const principal = await store.db.selectFrom('principals').selectAll().where('login', '=', login).executeTakeFirstOrThrow();
  return { db: store.db, actor: await actorForPrincipal(store.db, principal, null), remoteAddress: '192.0.2.1', via: 'test' };
}

async function rejects(call: () => Promise<unknown>, code: DirectoryError['code']): Promise<void> {
  await assert.rejects(call, (err: unknown) => err instanceof DirectoryError && err.code === code);
}

/** A queued message of the tenant with recipients in the given states. */
async function queue(store: Store, tenantId: number, recipients: { status: 'pending' | 'failed'; attempts: number }[]): Promise<void> {
  const { id } = await store.db
    .insertInto('queue_messages')
    .values({ tenant_id: tenantId, principal_id: null, sender: 'x@a.test', blob_hash: 'none', size: 10, envelope_id: null, ret: null, created_at: 0, expires_at: Date.now() + HOUR })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [i, r] of recipients.entries()) {
    await store.db
      .insertInto('queue_recipients')
      .values({ queue_message_id: id, recipient: `r${i}@remote.example`, domain: 'remote.example', orcpt: null, notify: null, status: r.status, attempts: r.attempts, next_attempt_at: 0, last_attempt_at: null, last_error: null, remote_mta: null, delay_notified: 0, locked_until: 0, locked_by: null })
      .execute();
  }
}

forEachDialect('dashboard statistics', (fixture) => {
  let store: Store;
  let root: AdminContext;
  let adminA: AdminContext;
  let domainAdminA: AdminContext;
  let a: number;
  let b: number;

  before(async () => {
    store = await fixture().open();
    root = cliContext(store.db);
    await ensureDefaultTenant(store.db);
    a = (await tenants.createTenant(root, { name: 'stats-a', maxStorage: 1_000_000 })).id;
    b = (await tenants.createTenant(root, { name: 'stats-b' })).id;
    await domains.addDomain(root, { name: 'a.test', tenant: 'stats-a' });
    await domains.addDomain(root, { name: 'b.test', tenant: 'stats-b' });
    for (const address of ['ann@a.test', 'dora@a.test', 'bo@b.test']) await users.addUser(root, { address, password: PASSWORD });
    await admins.grantAdmin(root, { user: 'ann@a.test', role: 'tenant-admin' });
    await admins.grantAdmin(root, { user: 'dora@a.test', role: 'domain-admin', domains: ['a.test'] });
    adminA = await contextFor(store, 'ann@a.test');
    domainAdminA = await contextFor(store, 'dora@a.test');
    await store.db.updateTable('principals').set({ used_bytes: 700 }).where('login', '=', 'dora@a.test').execute();
    await store.db.updateTable('principals').set({ used_bytes: 300 }).where('login', '=', 'ann@a.test').execute();
    await store.db.updateTable('principals').set({ used_bytes: 5000 }).where('login', '=', 'bo@b.test').execute();
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('counters add up per tenant and hour; empty hours read as zero', async () => {
    const now = hourOf(Date.UTC(2026, 10, 20, 15, 30));
    const twoHoursAgo = now - 2 * HOUR + 59 * 60_000;
    await store.db.transaction().execute(async (trx) => {
      await countReceived(trx, [{ tenantId: a }, { tenantId: a }, { tenantId: b }], twoHoursAgo);
      await countReceived(trx, [{ tenantId: a }], twoHoursAgo);
    });
    await countReceived(store.db, [{ tenantId: a }], now + 1);
    await countSubmitted(store.db, a, now + 2);
    await countSubmitted(store.db, a, now + 3);
    const series = await trafficByHour(store.db, { tenantId: a, hours: 24, now: now + 10 });
    assert.equal(series.length, 24);
    assert.equal(series[23].hour, now);
    assert.equal(series[0].hour, now - 23 * HOUR);
    assert.deepEqual(series.slice(-3), [
      { hour: now - 2 * HOUR, received: 2, sent: 0 },
      { hour: now - HOUR, received: 0, sent: 0 },
      { hour: now, received: 1, sent: 2 },
    ]);
    assert.ok(series.slice(0, -3).every((h) => h.received === 0 && h.sent === 0));
    const all = await trafficByHour(store.db, { tenantId: null, hours: 3, now });
    assert.deepEqual(all.map((h) => h.received), [3, 0, 1]);
    const theirs = await trafficByHour(store.db, { tenantId: b, hours: 3, now });
    assert.deepEqual(theirs.map((h) => [h.received, h.sent]), [[1, 0], [0, 0], [0, 0]]);
  });

  test('traffic and overview: a tenant admin reads its own organisation only', async () => {
    await countReceived(store.db, [{ tenantId: a }]);
    await countSubmitted(store.db, b);
    const mine = await traffic(adminA, { hours: 24 });
    assert.equal(mine.tenantId, a);
    assert.equal(mine.hours.reduce((n, h) => n + h.received, 0), 1, 'the test hours above lie in 2026-11-20, outside the window');
    assert.equal((await traffic(adminA, { hours: 168, tenant: a })).hours.length, 168);
    await rejects(() => traffic(adminA, { hours: 24, tenant: b }), 'not_found');
    await rejects(() => overview(adminA, { tenant: 'stats-b' }), 'not_found');
    await rejects(() => storageByAccount(adminA, { tenant: b, limit: 10 }), 'not_found');
    await rejects(() => traffic(domainAdminA, { hours: 24 }), 'forbidden');
    await rejects(() => overview(domainAdminA), 'forbidden');
    await rejects(() => traffic(adminA, { hours: 12 as 24 }), 'invalid');

    const everyone = await traffic(root, { hours: 24 });
    assert.equal(everyone.tenantId, null);
    assert.equal(everyone.hours.reduce((n, h) => n + h.sent, 0), 1);
    assert.equal((await traffic(root, { hours: 24, tenant: 'stats-b' })).tenantId, b);
  });

  test('the overview counts the queue by state, storage, users and domains of the tenant', async () => {
    await queue(store, a, [{ status: 'pending', attempts: 0 }, { status: 'pending', attempts: 2 }, { status: 'failed', attempts: 1 }]);
    await queue(store, a, [{ status: 'pending', attempts: 0 }]);
    await queue(store, b, [{ status: 'pending', attempts: 3 }]);
    const mine = await overview(adminA);
    assert.deepEqual(mine.queue, { active: 2, deferred: 1, failed: 1 });
    assert.deepEqual(mine.storage, { usedBytes: 1000, quotaBytes: 1_000_000 });
    assert.equal(mine.users, 2);
    assert.equal(mine.domains, 1);
    assert.equal(mine.messagesToday.received, 1);
    assert.deepEqual((await overview(root, { tenant: b })).queue, { active: 0, deferred: 1, failed: 0 });
    const all = await overview(root);
    assert.deepEqual(all.queue, { active: 2, deferred: 2, failed: 1 });
    assert.equal(all.storage.usedBytes, 6000);
    assert.equal(all.storage.quotaBytes, 0);
  });

  test('storage by account: largest first, the tenant\'s own', async () => {
    const ranking = await storageByAccount(adminA, { limit: 10 });
    assert.deepEqual(ranking.map((r) => [r.address, r.usedBytes]), [['dora@a.test', 700], ['ann@a.test', 300]]);
    assert.deepEqual((await storageByAccount(root, { limit: 1 })).map((r) => r.address), ['bo@b.test']);
  });
});
