// The admin service for account security (src/admin/security.ts) and self-service (src/admin/me.ts):
// who may read and change a tenant's password policy, reset a user's 2FA, and list or revoke their
// sessions and app passwords; objects of another tenant are not_found; users manage only
// themselves, and weakening 2FA asks for a current code. Every change is audited. Both dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Secret, TOTP } from 'otpauth';

import type { AdminContext, AdminRole } from '../../src/admin/context.ts';
import * as me from '../../src/admin/me.ts';
import * as security from '../../src/admin/security.ts';
import { listAudit } from '../../src/directory/audit.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { createTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { createWebSession, loginForSession, verifyWebSession } from '../../src/directory/web-sessions.ts';
import type { Store } from '../../src/store/database.ts';
import type { Principal } from '../../src/store/schema.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const RIGHT = 'correct horse battery';
const code = (secret: string, at = Date.now()) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
const fails = (code: string) => (err: unknown) => err instanceof DirectoryError && err.code === code;

forEachDialect('account security admin service', (fixture) => {
  let store: Store;
  let acme: number;
  let other: number;
  let boss: Principal;
  let mia: Principal;
  let ned: Principal;
  let zed: Principal;
  const ctx = (actor: Principal | null, role: AdminRole, tenantId: number | null): AdminContext => ({
    db: store.db,
    actor: { name: actor?.login ?? 'root', principalId: actor?.id ?? null, role, tenantId, domainIds: [], scopes: null },
    remoteAddress: '203.0.113.5',
    via: 'api',
  });

  before(async () => {
    store = await fixture().open();
    acme = (await createTenant(store.db, { name: 'acme' })).id;
    other = (await createTenant(store.db, { name: 'other' })).id;
    await addDomain(store.db, 'acme.test', { tenant: 'acme' });
    await addDomain(store.db, 'other.test', { tenant: 'other' });
    boss = await addUser(store.db, { address: 'boss@acme.test', password: RIGHT });
    await store.db.updateTable('principals').set({ role: 'tenant-admin' }).where('id', '=', boss.id).execute();
    mia = await addUser(store.db, { address: 'mia@acme.test', password: RIGHT });
    ned = await addUser(store.db, { address: 'ned@acme.test', password: RIGHT });
    zed = await addUser(store.db, { address: 'zed@other.test', password: RIGHT });
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('a tenant admin sets its own tenant\'s policy; another tenant does not exist for it; users only read', async () => {
    const admin = ctx(boss, 'tenant-admin', acme);
    const set = await security.setPasswordPolicy(admin, { minLength: 14, maxAgeDays: 180 });
    assert.deepEqual(set, { tenant: 'acme', minLength: 14, maxAgeDays: 180, breachedCheck: true });
    await assert.rejects(security.setPasswordPolicy(admin, { tenant: 'other', minLength: 20 }), fails('not_found'));
    await assert.rejects(security.getPasswordPolicy(admin, { tenant: other }), fails('not_found'));
    assert.equal((await security.getPasswordPolicy(ctx(mia, 'user', acme))).minLength, 14);
    await assert.rejects(security.setPasswordPolicy(ctx(mia, 'user', acme), { minLength: 8 }), fails('forbidden'));
    assert.equal((await security.getPasswordPolicy(ctx(null, 'super-admin', null), { tenant: 'other' })).minLength, 8);
    const [record] = await listAudit(store.db, { action: 'policy.set' });
    assert.equal(record.actor, 'boss@acme.test');
    assert.deepEqual(record.details, { minLength: 14, maxAgeDays: 180 });
    await assert.rejects(me.changeMyPassword(ctx(mia, 'user', acme), { oldPassword: RIGHT, newPassword: 'only 13 chars' }), /at least 14/);
    await security.setPasswordPolicy(admin, { minLength: 8, maxAgeDays: 0 });
  });

  test('self-service: TOTP on with a code, recovery codes, off again only with a current code', async () => {
    const self = ctx(mia, 'user', acme);
    const { secret, uri } = await me.enrolMyTotp(self, { issuer: 'Acme Mail' });
    assert.match(uri, /^otpauth:\/\/totp\/Acme%20Mail:mia%40acme\.test\?/);
    const { recoveryCodes } = await me.confirmMyTotp(self, { code: code(secret) });
    assert.equal(recoveryCodes.length, 10);
    assert.equal((await me.getMySecurity(self)).totp.enabled, true);
    await assert.rejects(me.disableMyTotp(self, { code: '' }), (err: unknown) => err instanceof DirectoryError && err.field === 'code');
    await assert.rejects(me.disableMyTotp(self, { code: 'wrong-code1' }), (err: unknown) => err instanceof DirectoryError && err.field === 'code');
    const fresh = await me.regenerateMyRecoveryCodes(self, { code: recoveryCodes[0] });
    await assert.rejects(me.disableMyTotp(self, { code: recoveryCodes[1] }), fails('invalid'), 'the old set is void');
    assert.deepEqual(await me.disableMyTotp(self, { code: fresh.recoveryCodes[0] }), { disabled: true });
    const actions = (await listAudit(store.db, { actor: 'mia@acme.test' })).map((r) => r.action);
    for (const action of ['totp.enrol', 'totp.enable', 'totp.recovery-codes', 'totp.disable']) assert.ok(actions.includes(action), action);
  });

  test('self-service app passwords and sessions touch only the actor\'s own', async () => {
    const self = ctx(mia, 'user', acme);
    const made = await me.createMyAppPassword(self, { name: 'tablet', protocols: ['imap'] });
    assert.equal((await me.listMyAppPasswords(self)).length, 1);
    await assert.rejects(me.revokeMyAppPassword(ctx(ned, 'user', acme), { id: made.id }), fails('not_found'));
    await me.revokeMyAppPassword(self, { id: made.id });
    const session = await createWebSession(store.db, mia.id, { userAgent: 'test' });
    assert.equal((await me.listMySessions(self))[0].id, session.id);
    await assert.rejects(me.revokeMySession(ctx(ned, 'user', acme), { id: session.id }), fails('not_found'));
    await me.revokeMySession(self, { id: session.id });
    assert.equal(await verifyWebSession(store.db, session.token), null);
    await assert.rejects(me.getMySecurity(ctx(null, 'super-admin', null)), fails('forbidden'), 'the CLI has no own credentials');
  });

  test('changing one\'s own password needs the old one and ends every web session', async () => {
    const self = ctx(ned, 'user', acme);
    const session = await createWebSession(store.db, ned.id);
    await assert.rejects(me.changeMyPassword(self, { oldPassword: 'not the old one', newPassword: 'a fine new secret' }), (err: unknown) => err instanceof DirectoryError && err.field === 'oldPassword');
    await me.changeMyPassword(self, { oldPassword: RIGHT, newPassword: 'a fine new secret' });
    assert.equal(await verifyWebSession(store.db, session.token), null);
    assert.equal((await loginForSession(store.db, 'ned@acme.test', 'a fine new secret', undefined, { protocol: 'web' })).id, ned.id);
  });

  test('admins reset 2FA and manage sessions and app passwords of their tenant\'s users only', async () => {
    const admin = ctx(boss, 'tenant-admin', acme);
    const { secret } = await me.enrolMyTotp(ctx(mia, 'user', acme));
    await me.confirmMyTotp(ctx(mia, 'user', acme), { code: code(secret) });
    const session = await createWebSession(store.db, mia.id);
    assert.equal((await security.getTotpStatus(admin, { user: 'mia@acme.test' })).enabled, true);
    assert.equal((await security.listUserSessions(admin, { user: 'mia@acme.test' })).length, 1);

    await assert.rejects(security.resetTotp(admin, { user: 'zed@other.test' }), fails('not_found'));
    await assert.rejects(security.listUserSessions(admin, { user: zed.id }), fails('not_found'));
    await assert.rejects(security.resetTotp(ctx(ned, 'user', acme), { user: 'mia@acme.test' }), fails('forbidden'));

    assert.deepEqual(await security.resetTotp(admin, { user: 'mia@acme.test' }), { address: 'mia@acme.test', wasEnabled: true, sessionsEnded: 1 });
    assert.equal(await verifyWebSession(store.db, session.token), null);
    assert.equal((await security.getTotpStatus(admin, { user: 'mia@acme.test' })).enabled, false);

    const made = await security.createUserAppPassword(admin, { user: 'mia@acme.test', name: 'printer', protocols: 'smtp' });
    assert.deepEqual((await security.listUserAppPasswords(admin, { user: 'mia@acme.test' })).map((a) => a.id), [made.id]);
    await assert.rejects(security.revokeUserAppPassword(admin, { user: 'ned@acme.test', id: made.id }), fails('not_found'));
    await security.revokeUserAppPassword(admin, { user: 'mia@acme.test', id: made.id });
    await createWebSession(store.db, mia.id);
    await createWebSession(store.db, mia.id);
    assert.equal((await security.revokeUserSessions(admin, { user: 'mia@acme.test' })).revoked, 2);

    const actions = (await listAudit(store.db, { actor: 'boss@acme.test' })).map((r) => r.action);
    for (const action of ['totp.reset', 'app-password.add', 'app-password.revoke', 'session.revoke']) assert.ok(actions.includes(action), action);
    await assert.rejects(security.resetTotp(ctx(mia, 'domain-admin', acme), { user: 'boss@acme.test' }), fails('not_found'), 'a domain admin of no domain sees nobody');
  });
});
