// Quotas and usage on both store dialects: a domain's default quota for new users, usage per
// account, per org unit (summed over its subtree) and per tenant from real deliveries, the
// tenant storage limit refusing a delivery like an account quota does, and who may read what.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { AdminContext } from '../../src/admin/context.ts';
import * as adminQuotas from '../../src/admin/quotas.ts';
import { addDomain, findDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { assignUnit, createUnit } from '../../src/directory/org-units.ts';
import { accountUsage, setDomainDefaultQuota, tenantStorage, unitUsage } from '../../src/directory/quota-usage.ts';
import { createTenant, ensureDefaultTenant, updateTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailError } from '../../src/mail/errors.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { findMailbox } from '../../src/mail/mailboxes.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'quota.test';
const CAPPED = 'capped-quota.test';
const code = (c: string) => (err: unknown) => err instanceof DirectoryError && err.code === c;

function message(n: number): Buffer {
  const id = String(n).padStart(4, '0');
  return Buffer.from(`From: <sender@remote.test>\r\nTo: <someone@${D}>\r\nSubject: message ${id}\r\nMessage-ID: <quota-${id}@remote.test>\r\n\r\n${'x'.repeat(400)}\r\n`);
}
const SIZE = message(0).byteLength;

forEachDialect('quotas and usage', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let tenant: number;
  let capped: number;
  const ids: Record<string, number> = {};
  let n = 0;

  async function deliver(...accounts: number[]): Promise<void> {
    const targets = [];
    for (const accountId of accounts) targets.push({ accountId, mailboxId: (await findMailbox(store.db, accountId, 'INBOX')).id });
    await mail.deliver({ message: await mail.prepare(message(++n)), targets });
  }
  const overQuota = (err: unknown) => err instanceof MailError && err.code === 'over_quota';
  const used = async (id: number) => (await accountUsage(store.db, id)).usedBytes;

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    tenant = Number((await ensureDefaultTenant(store.db)).id);
    capped = Number((await createTenant(store.db, { name: 'capped' })).id);
    await addDomain(store.db, D);
    await addDomain(store.db, CAPPED, { tenant: 'capped' });
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('new users get their domain\'s default quota unless one is given', async () => {
    const domain = await findDomain(store.db, D);
    ids.before = Number((await addUser(store.db, { address: `before@${D}`, password: 'secret-pass-123' })).id);
    await setDomainDefaultQuota(store.db, domain.id, 50_000);
    ids.alice = Number((await addUser(store.db, { address: `alice@${D}`, password: 'secret-pass-123' })).id);
    ids.bob = Number((await addUser(store.db, { address: `bob@${D}`, password: 'secret-pass-123', quotaBytes: 0 })).id);
    ids.carol = Number((await addUser(store.db, { address: `carol@${D}`, password: 'secret-pass-123', quotaBytes: 7_000 })).id);
    assert.equal((await accountUsage(store.db, ids.before)).quotaBytes, 0, 'a default applies to users made after it');
    assert.equal((await accountUsage(store.db, ids.alice)).quotaBytes, 50_000);
    assert.equal((await accountUsage(store.db, ids.bob)).quotaBytes, 0, 'an explicit 0 is unlimited');
    assert.equal((await accountUsage(store.db, ids.carol)).quotaBytes, 7_000);
    await assert.rejects(setDomainDefaultQuota(store.db, domain.id, -1), code('invalid'));
  });

  test('usage per account, per unit (over its subtree) and per tenant', async () => {
    await createUnit(store.db, tenant, 'Engineering/Backend');
    await createUnit(store.db, tenant, 'Engineering/Frontend');
    await assignUnit(store.db, ids.alice, tenant, 'Engineering');
    await assignUnit(store.db, ids.bob, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.carol, tenant, 'Engineering/Frontend');
    await deliver(ids.alice);
    await deliver(ids.bob, ids.carol);
    await deliver(ids.bob);
    await deliver(ids.before);
    assert.deepEqual(await accountUsage(store.db, ids.bob), { id: ids.bob, address: `bob@${D}`, kind: 'user', usedBytes: 2 * SIZE, quotaBytes: 0 });
    assert.deepEqual(await unitUsage(store.db, tenant, 'engineering'), {
      path: 'Engineering',
      principals: 3,
      usedBytes: 4 * SIZE,
      children: [
        { path: 'Engineering/Backend', principals: 1, usedBytes: 2 * SIZE },
        { path: 'Engineering/Frontend', principals: 1, usedBytes: SIZE },
      ],
    });
    assert.equal((await unitUsage(store.db, tenant, 'Engineering/Backend')).usedBytes, 2 * SIZE);
    const storage = await tenantStorage(store.db, tenant);
    assert.equal(storage.usedBytes, 5 * SIZE);
    assert.equal(storage.maxStorageBytes, 0);
    assert.equal((await tenantStorage(store.db, capped)).usedBytes, 0);
  });

  test('a tenant over its storage limit refuses delivery to any of its accounts, charging nothing', async () => {
    ids.x = Number((await addUser(store.db, { address: `x@${CAPPED}`, password: 'secret-pass-123' })).id);
    ids.y = Number((await addUser(store.db, { address: `y@${CAPPED}`, password: 'secret-pass-123' })).id);
    await updateTenant(store.db, capped, { maxStorage: 3 * SIZE + Math.floor(SIZE / 2) });
    await deliver(ids.x, ids.y);
    await deliver(ids.x);
    assert.equal((await tenantStorage(store.db, capped)).usedBytes, 3 * SIZE);
    await assert.rejects(deliver(ids.y), overQuota);
    // IMAP APPEND goes through the same charge.
    await assert.rejects(mail.append(ids.y, 'Drafts', message(999)), overQuota);
    // A delivery to a capped and an uncapped tenant lands in neither.
    await assert.rejects(deliver(ids.alice, ids.y), overQuota);
    assert.equal(await used(ids.y), SIZE);
    assert.equal(await used(ids.alice), SIZE);
    assert.equal((await tenantStorage(store.db, capped)).usedBytes, 3 * SIZE);
    // The other tenant is not limited by it.
    await deliver(ids.alice);
    assert.equal(await used(ids.alice), 2 * SIZE);
  });

  test('room made by expunging is seen at once, and raising the limit works without a restart', async () => {
    const inbox = await findMailbox(store.db, ids.x, 'INBOX');
    const [first] = await mail.expunge(ids.x, inbox.id, [1]);
    assert.equal(first, 1);
    await deliver(ids.y);
    await assert.rejects(deliver(ids.y), overQuota);
    await updateTenant(store.db, capped, { maxStorage: 0 });
    await deliver(ids.y);
    assert.equal((await tenantStorage(store.db, capped)).usedBytes, 4 * SIZE);
  });

  test('admin service: who may read and set what', async () => {
    const as = (principalId: number | null, role: 'user' | 'tenant-admin' | 'domain-admin', tenantId: number): AdminContext => ({
      db: store.db,
      actor: { name: `#${principalId}`, principalId, role, tenantId, domainIds: [], scopes: null },
      remoteAddress: null,
      via: 'api',
    });
    const asBob = as(ids.bob, 'user', tenant);
    assert.equal((await adminQuotas.accountUsage(asBob, { principal: `bob@${D}` })).usedBytes, 2 * SIZE);
    await assert.rejects(adminQuotas.accountUsage(asBob, { principal: `alice@${D}` }), code('forbidden'));
    await assert.rejects(adminQuotas.unitUsage(asBob, { path: 'Engineering' }), code('forbidden'));
    await assert.rejects(adminQuotas.setAccountQuota(asBob, { principal: `bob@${D}`, quotaBytes: 1 }), code('forbidden'));
    const cappedAdmin = as(ids.x, 'tenant-admin', capped);
    await assert.rejects(adminQuotas.accountUsage(cappedAdmin, { principal: `bob@${D}` }), code('not_found'));
    await assert.rejects(adminQuotas.tenantUsage(cappedAdmin, { tenant: 'default' }), code('not_found'));
    await assert.rejects(adminQuotas.setDomainDefaultQuota(cappedAdmin, { domain: D, quotaBytes: 1 }), code('not_found'));
    assert.equal((await adminQuotas.tenantUsage(cappedAdmin)).usedBytes, 4 * SIZE);
    const admin = as(ids.alice, 'tenant-admin', tenant);
    assert.equal((await adminQuotas.unitUsage(admin, { path: 'Engineering' })).usedBytes, 5 * SIZE);
    assert.equal((await adminQuotas.setAccountQuota(admin, { principal: `bob@${D}`, quotaBytes: 9_000 })).quotaBytes, 9_000);
    assert.deepEqual(await adminQuotas.setDomainDefaultQuota(admin, { domain: D, quotaBytes: 0 }), { domain: D, defaultQuotaBytes: 0 });
    const actions = (await store.db.selectFrom('audit_log').select('action').where('action', 'like', 'quota.%').orderBy('id').execute()).map((r) => r.action);
    assert.deepEqual(actions, ['quota.set', 'quota.domain-default']);
  });
});
