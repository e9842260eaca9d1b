// The cross-tenant isolation matrix of the admin service: two organisations, each with domains,
// users, groups, aliases, a tenant admin and a domain admin. Every admin function called by A's
// administrators with B's names or ids answers not_found (never forbidden, so nothing can be
// probed), every list shows only A's rows, a domain admin stays inside its own domains, and the
// plan limits refuse the (n+1)th user and domain. On both store dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { actorForPrincipal } from '../../src/admin/actor.ts';
import * as admins from '../../src/admin/admins.ts';
import * as aliases from '../../src/admin/aliases.ts';
import * as auditLog from '../../src/admin/audit.ts';
import { cliContext, type AdminContext, type Scope } from '../../src/admin/context.ts';
import * as domains from '../../src/admin/domains.ts';
import * as groups from '../../src/admin/groups.ts';
import * as tenants from '../../src/admin/tenants.ts';
import * as users from '../../src/admin/users.ts';
import { defaultConfig } from '../../src/config/config.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const PASSWORD = 'a long enough password';

async function contextFor(store: Store, login: string, scopes: ReadonlySet<Scope> | null = null): Promise<AdminContext> {
  const principal = await store.db.selectFrom('principals').selectAll().where('login', '=', login).executeTakeFirstOrThrow();
  return { db: store.db, actor: await actorForPrincipal(store.db, principal, scopes), remoteAddress: '192.0.2.1', via: 'test' };
}

async function rejects(call: () => Promise<unknown>, code: DirectoryError['code'], label: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof DirectoryError, `${label}: a DirectoryError, got ${String(err)}`);
    assert.equal(err.code, code, `${label}: ${err.message}`);
    return true;
  });
}

forEachDialect('admin service isolation', (fixture) => {
  let store: Store;
  let root: AdminContext;
  let tenantAdminA: AdminContext;
  let domainAdminA: AdminContext;
  const ids: Record<string, number> = {};
  const server = defaultConfig();

  before(async () => {
    store = await fixture().open();
    root = cliContext(store.db);
    await ensureDefaultTenant(store.db);
    await tenants.createTenant(root, { name: 'tenant-a', maxUsers: 5, maxDomains: 3 });
    const b = await tenants.createTenant(root, { name: 'tenant-b' });
    ids.tenantB = b.id;
    await domains.addDomain(root, { name: 'a1.test', tenant: 'tenant-a' });
    await domains.addDomain(root, { name: 'a2.test', tenant: 'tenant-a' });
    await domains.addDomain(root, { name: 'b1.test', tenant: 'tenant-b' });
    await domains.addDomainAlias(root, { alias: 'b-alias.test', target: 'b1.test' });
    for (const address of ['alice@a1.test', 'dan@a1.test', 'amy@a1.test', 'arnold@a2.test', 'bella@b1.test', 'bob@b1.test', 'bert@b1.test']) {
      ids[address] = (await users.addUser(root, { address, password: PASSWORD })).id;
    }
    await groups.addGroup(root, { address: 'team@a1.test', members: ['amy@a1.test'] });
    ids['team@b1.test'] = (await groups.addGroup(root, { address: 'team@b1.test', members: ['bert@b1.test'] })).id;
    await aliases.addAlias(root, { alias: 'info@a1.test', target: 'amy@a1.test' });
    await aliases.addAlias(root, { alias: 'info@b1.test', target: 'bert@b1.test' });
    await admins.grantAdmin(root, { user: 'alice@a1.test', role: 'tenant-admin' });
    await admins.grantAdmin(root, { user: 'bella@b1.test', role: 'tenant-admin' });
    await admins.grantAdmin(root, { user: 'bob@b1.test', role: 'domain-admin', domains: ['b1.test'] });
    tenantAdminA = await contextFor(store, 'alice@a1.test');
    // Delegation: A's tenant admin makes A's domain admin.
    await admins.grantAdmin(tenantAdminA, { user: 'dan@a1.test', role: 'domain-admin', domains: ['a1.test'] });
    domainAdminA = await contextFor(store, 'dan@a1.test');
    // Something of B's in the audit log under B's tenant, made by B's own admin.
    await users.setUserQuota(await contextFor(store, 'bella@b1.test'), { user: 'bert@b1.test', quotaBytes: 1_000_000 });
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  /** Every admin function, each given B's objects by name and, where it takes one, by id. */
  function callsWithB(ctx: AdminContext): [string, () => Promise<unknown>][] {
    return [
      ['getTenant by name', () => tenants.getTenant(ctx, { tenant: 'tenant-b' })],
      ['getTenant by id', () => tenants.getTenant(ctx, { tenant: ids.tenantB })],
      ['updateTenant', () => tenants.updateTenant(ctx, { tenant: 'tenant-b', maxUsers: 1 })],
      ['removeTenant', () => tenants.removeTenant(ctx, { tenant: ids.tenantB, force: true })],
      ['addDomain to B', () => domains.addDomain(ctx, { name: 'new.test', tenant: 'tenant-b' })],
      ['listDomains of B', () => domains.listDomains(ctx, { tenant: 'tenant-b' })],
      ['getDomain', () => domains.getDomain(ctx, { domain: 'b1.test' })],
      ['removeDomain', () => domains.removeDomain(ctx, { domain: 'b1.test', force: true })],
      ['setCatchAll on B', () => domains.setCatchAll(ctx, { domain: 'b1.test', target: null })],
      ['setCatchAll to B', () => domains.setCatchAll(ctx, { domain: 'a1.test', target: 'bert@b1.test' })],
      ['addDomainAlias of B', () => domains.addDomainAlias(ctx, { alias: 'new-alias.test', target: 'b1.test' })],
      ['removeDomainAlias', () => domains.removeDomainAlias(ctx, { alias: 'b-alias.test' })],
      ['domainDnsRecords', () => domains.domainDnsRecords(ctx, { domain: 'b1.test', server })],
      ['listDkimKeys', () => domains.listDkimKeys(ctx, { domain: 'b1.test' })],
      ['rotateDkimKey', () => domains.rotateDkimKey(ctx, { domain: 'b1.test' })],
      ['activateDkimKey', () => domains.activateDkimKey(ctx, { domain: 'b1.test', selector: 'x' })],
      ['retireDkimKey', () => domains.retireDkimKey(ctx, { domain: 'b1.test', selector: 'x' })],
      ['addUser at B', () => users.addUser(ctx, { address: 'eve@b1.test', password: PASSWORD })],
      ['listUsers of B domain', () => users.listUsers(ctx, { domain: 'b1.test' })],
      ['listUsers of B tenant', () => users.listUsers(ctx, { tenant: 'tenant-b' })],
      ['getUser by address', () => users.getUser(ctx, { user: 'bert@b1.test' })],
      ['getUser by alias', () => users.getUser(ctx, { user: 'info@b1.test' })],
      ['getUser by id', () => users.getUser(ctx, { user: ids['bert@b1.test'] })],
      ['updateUser', () => users.updateUser(ctx, { user: ids['bert@b1.test'], disabled: true })],
      ['setUserQuota', () => users.setUserQuota(ctx, { user: 'bert@b1.test', quotaBytes: 1 })],
      ['setUserPassword', () => users.setUserPassword(ctx, { user: 'bert@b1.test', password: PASSWORD })],
      ['removeUser', () => users.removeUser(ctx, { user: 'bert@b1.test' })],
      ['unlockUser', () => users.unlockUser(ctx, { user: 'bert@b1.test' })],
      ['addAlias at B', () => aliases.addAlias(ctx, { alias: 'x@b1.test', target: 'amy@a1.test' })],
      ['addAlias to B', () => aliases.addAlias(ctx, { alias: 'x@a1.test', target: 'bert@b1.test' })],
      ['removeAlias', () => aliases.removeAlias(ctx, { alias: 'info@b1.test' })],
      ['listAliases of B', () => aliases.listAliases(ctx, { domain: 'b1.test' })],
      ['addGroup at B', () => groups.addGroup(ctx, { address: 'g@b1.test' })],
      ['addGroup with B member', () => groups.addGroup(ctx, { address: 'g@a1.test', members: ['bert@b1.test'] })],
      ['listGroups of B', () => groups.listGroups(ctx, { domain: 'b1.test' })],
      ['getGroup', () => groups.getGroup(ctx, { group: 'team@b1.test' })],
      ['getGroup by id', () => groups.getGroup(ctx, { group: ids['team@b1.test'] })],
      ['listGroupMembers', () => groups.listGroupMembers(ctx, { group: 'team@b1.test', expand: true })],
      ['addGroupMember to B', () => groups.addGroupMember(ctx, { group: 'team@b1.test', member: 'amy@a1.test' })],
      ['addGroupMember of B', () => groups.addGroupMember(ctx, { group: 'team@a1.test', member: 'bert@b1.test' })],
      ['removeGroupMember', () => groups.removeGroupMember(ctx, { group: 'team@b1.test', member: 'bert@b1.test' })],
      ['setGroupSendPolicy', () => groups.setGroupSendPolicy(ctx, { group: 'team@b1.test', sendPolicy: 'members' })],
      ['removeGroup', () => groups.removeGroup(ctx, { group: 'team@b1.test' })],
      ['listAudit of B', () => auditLog.listAudit(ctx, { tenant: 'tenant-b' })],
      ['exportAudit of B', () => auditLog.exportAudit(ctx, { tenant: ids.tenantB })],
      ['listAdmins of B', () => admins.listAdmins(ctx, { tenant: 'tenant-b' })],
      ['grantAdmin to B user', () => admins.grantAdmin(ctx, { user: 'bert@b1.test', role: 'domain-admin', domains: ['a1.test'] })],
      ['grantAdmin of B domain', () => admins.grantAdmin(ctx, { user: 'amy@a1.test', role: 'domain-admin', domains: ['b1.test'] })],
      ['revokeAdmin', () => admins.revokeAdmin(ctx, { user: 'bob@b1.test' })],
    ];
  }

  for (const who of ['tenant admin', 'domain admin'] as const) {
    test(`A's ${who} gets not_found for every one of B's objects, and B is unchanged`, async () => {
      const ctx = who === 'tenant admin' ? tenantAdminA : domainAdminA;
      const before = JSON.stringify(await users.listUsers(root, { tenant: 'tenant-b' }));
      for (const [label, call] of callsWithB(ctx)) await rejects(call, 'not_found', label);
      assert.equal(JSON.stringify(await users.listUsers(root, { tenant: 'tenant-b' })), before);
      assert.deepEqual((await domains.listDomains(root, { tenant: 'tenant-b' })).map((d) => d.name), ['b-alias.test', 'b1.test']);
      assert.deepEqual((await groups.listGroupMembers(root, { group: 'team@b1.test' })).map((m) => m.address), ['bert@b1.test']);
    });
  }

  test("lists show A's tenant admin only A's rows", async () => {
    const ctx = tenantAdminA;
    assert.deepEqual((await tenants.listTenants(ctx)).map((t) => t.name), ['tenant-a']);
    assert.deepEqual((await domains.listDomains(ctx)).map((d) => d.name), ['a1.test', 'a2.test']);
    assert.deepEqual((await users.listUsers(ctx)).items.map((u) => u.address), ['alice@a1.test', 'amy@a1.test', 'arnold@a2.test', 'dan@a1.test']);
    assert.deepEqual((await users.listUsers(ctx, { query: 'b' })).items, [], 'a search does not reach B either');
    assert.deepEqual(await aliases.listAliases(ctx), [{ alias: 'info@a1.test', target: 'amy@a1.test' }]);
    assert.deepEqual((await groups.listGroups(ctx)).map((g) => g.address), ['team@a1.test']);
    assert.deepEqual((await admins.listAdmins(ctx)).map((a) => [a.login, a.role, a.domains]), [
      ['alice@a1.test', 'tenant-admin', []],
      ['dan@a1.test', 'domain-admin', ['a1.test']],
    ]);
    const records = await auditLog.listAudit(ctx, { limit: 1000 });
    assert.ok(records.length > 0);
    const tenantA = (await tenants.getTenant(ctx, { tenant: 'tenant-a' })).id;
    assert.ok(records.every((r) => r.tenantId === tenantA), 'only A\'s audit records');
    const everything = await auditLog.listAudit(root, { limit: 1000 });
    assert.ok(everything.some((r) => r.tenantId === ids.tenantB), 'the super-admin sees B\'s records too');
  });

  test("A's domain admin sees and changes only its own domain's objects", async () => {
    const ctx = domainAdminA;
    assert.deepEqual((await domains.listDomains(ctx)).map((d) => d.name), ['a1.test']);
    assert.deepEqual((await users.listUsers(ctx)).items.map((u) => u.address), ['alice@a1.test', 'amy@a1.test', 'dan@a1.test']);
    assert.deepEqual((await groups.listGroups(ctx)).map((g) => g.address), ['team@a1.test']);
    // Another domain of its own tenant does not exist for it either.
    await rejects(() => domains.getDomain(ctx, { domain: 'a2.test' }), 'not_found', 'getDomain a2');
    await rejects(() => domains.rotateDkimKey(ctx, { domain: 'a2.test' }), 'not_found', 'rotate a2');
    await rejects(() => users.getUser(ctx, { user: 'arnold@a2.test' }), 'not_found', 'getUser a2');
    await rejects(() => users.setUserPassword(ctx, { user: 'arnold@a2.test', password: PASSWORD }), 'not_found', 'passwd a2');
    await rejects(() => users.addUser(ctx, { address: 'x@a2.test', password: PASSWORD }), 'not_found', 'addUser a2');
    await rejects(() => users.listUsers(ctx, { domain: 'a2.test' }), 'not_found', 'listUsers a2');
    await rejects(() => aliases.addAlias(ctx, { alias: 'x@a2.test', target: 'amy@a1.test' }), 'not_found', 'addAlias a2');
    await rejects(() => groups.addGroup(ctx, { address: 'g@a2.test' }), 'not_found', 'addGroup a2');
    // Within its domain it works, but tenant-wide things and higher accounts are not its to change.
    const added = await users.addUser(ctx, { address: 'ann@a1.test', password: PASSWORD, displayName: 'Ann' });
    assert.equal(added.tenant, 'tenant-a');
    await users.updateUser(ctx, { user: 'ann@a1.test', displayName: 'Ann A.' });
    await rejects(() => users.setUserPassword(ctx, { user: 'alice@a1.test', password: PASSWORD }), 'forbidden', 'a tenant admin outranks it');
    await rejects(() => domains.removeDomain(ctx, { domain: 'a1.test' }), 'forbidden', 'removeDomain');
    await rejects(() => domains.addDomain(ctx, { name: 'a9.test' }), 'forbidden', 'addDomain');
    await rejects(() => admins.grantAdmin(ctx, { user: 'amy@a1.test', role: 'domain-admin', domains: ['a1.test'] }), 'forbidden', 'grant');
    await rejects(() => auditLog.listAudit(ctx), 'forbidden', 'audit');
    await users.removeUser(ctx, { user: 'ann@a1.test' });
  });

  test('delegation: only a super-admin makes tenant admins; a tenant admin cannot outrank itself', async () => {
    await rejects(() => admins.grantAdmin(tenantAdminA, { user: 'amy@a1.test', role: 'tenant-admin' }), 'forbidden', 'tenant-admin grant');
    await rejects(() => admins.grantAdmin(tenantAdminA, { user: 'amy@a1.test', role: 'super-admin' }), 'forbidden', 'super-admin grant');
    await rejects(() => tenants.createTenant(tenantAdminA, { name: 'tenant-c' }), 'forbidden', 'createTenant');
    await rejects(() => tenants.updateTenant(tenantAdminA, { tenant: 'tenant-a', maxUsers: 0 }), 'forbidden', 'raise own limits');
    const own = await tenants.getTenant(tenantAdminA, { tenant: 'tenant-a' });
    assert.deepEqual(own.usage, { users: 4, domains: 2, storageBytes: 0 });
    // Revoking one domain of two keeps the role; the last one takes it.
    await admins.grantAdmin(tenantAdminA, { user: 'amy@a1.test', role: 'domain-admin', domains: ['a1.test', 'a2.test'] });
    assert.deepEqual((await contextFor(store, 'amy@a1.test')).actor.domainIds.length, 2);
    assert.deepEqual(await admins.revokeAdmin(tenantAdminA, { user: 'amy@a1.test', domains: ['a2.test'] }), { login: 'amy@a1.test', role: 'domain-admin' });
    assert.deepEqual(await admins.revokeAdmin(tenantAdminA, { user: 'amy@a1.test', domains: ['a1.test'] }), { login: 'amy@a1.test', role: 'user' });
    assert.equal((await contextFor(store, 'amy@a1.test')).actor.role, 'user');
    await rejects(() => admins.revokeAdmin(tenantAdminA, { user: 'alice@a1.test' }), 'forbidden', 'revoke a tenant admin');
    await rejects(() => admins.revokeAdmin(root, { user: ids['amy@a1.test'] }), 'invalid', 'not an admin');
  });

  test('a token scope narrows what an admin may do', async () => {
    const readOnly = await contextFor(store, 'alice@a1.test', new Set<Scope>(['directory:read']));
    assert.equal((await users.listUsers(readOnly)).items.length, 4);
    await rejects(() => users.addUser(readOnly, { address: 'x@a1.test', password: PASSWORD }), 'forbidden', 'write with a read token');
    await rejects(() => auditLog.listAudit(readOnly), 'forbidden', 'audit without audit:read');
  });

  test("plan limits refuse the (n+1)th user and domain with code 'limit'; groups do not count as users", async () => {
    // tenant-a: max 5 users (has 4), max 3 domains (has 2).
    await users.addUser(tenantAdminA, { address: 'fifth@a2.test', password: PASSWORD });
    await rejects(() => users.addUser(tenantAdminA, { address: 'sixth@a2.test', password: PASSWORD }), 'limit', 'sixth user');
    await groups.addGroup(tenantAdminA, { address: 'more@a2.test' });
    await domains.addDomain(tenantAdminA, { name: 'a3.test' });
    await rejects(() => domains.addDomain(tenantAdminA, { name: 'a4.test' }), 'limit', 'fourth domain');
    await rejects(() => domains.addDomainAlias(tenantAdminA, { alias: 'a-alias.test', target: 'a1.test' }), 'limit', 'an alias domain counts');
    const usage = (await tenants.getTenant(tenantAdminA, { tenant: 'tenant-a' })).usage;
    assert.deepEqual([usage.users, usage.domains], [5, 3]);
    // The super-admin raises the limit and the same create succeeds.
    await tenants.updateTenant(root, { tenant: 'tenant-a', maxUsers: 6 });
    await users.addUser(tenantAdminA, { address: 'sixth@a2.test', password: PASSWORD });
  });

  test('the super-admin sees across tenants and removes one with everything in it', async () => {
    assert.deepEqual((await tenants.listTenants(root)).map((t) => t.name), ['default', 'tenant-a', 'tenant-b']);
    await rejects(() => tenants.removeTenant(root, { tenant: 'tenant-b' }), 'conflict', 'not empty');
    await rejects(() => tenants.removeTenant(root, { tenant: 'default' }), 'invalid', 'the default tenant');
    assert.deepEqual(await tenants.removeTenant(root, { tenant: 'tenant-b', force: true }), { removed: 'tenant-b' });
    await rejects(() => users.getUser(root, { user: 'bert@b1.test' }), 'not_found', 'gone with its tenant');
    assert.deepEqual((await domains.listDomains(root)).map((d) => d.name), ['a1.test', 'a2.test', 'a3.test']);
  });
});
