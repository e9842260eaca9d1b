// Org units on both store dialects: creating by path, the tree, moving a subtree (and refusing
// to move a unit under itself), renaming, assigning principals, members with and without
// sub-units, removal with and without re-homing, and per-tenant isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { AdminContext, AdminRole } from '../../src/admin/context.ts';
import * as adminUnits from '../../src/admin/units.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { addGroup } from '../../src/directory/groups.ts';
import { assignUnit, createUnit, findUnit, listUnits, moveUnit, removeUnit, renameUnit, unitMembers, type OrgUnitNode } from '../../src/directory/org-units.ts';
import { createTenant, ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'units.test';
const OTHER = 'other-units.test';

const code = (c: string) => (err: unknown) => err instanceof DirectoryError && err.code === c;

/** The tree as `path(members)` lines in depth-first order. */
function flatten(nodes: OrgUnitNode[]): string[] {
  return nodes.flatMap((n) => [`${n.path}(${n.members})`, ...flatten(n.children)]);
}

forEachDialect('org units', (fixture) => {
  let store: Store;
  let tenant: number;
  let otherTenant: number;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    tenant = Number((await ensureDefaultTenant(store.db)).id);
    otherTenant = Number((await createTenant(store.db, { name: 'other' })).id);
    await addDomain(store.db, D);
    await addDomain(store.db, OTHER, { tenant: 'other' });
    for (const name of ['alice', 'bob', 'carol', 'dave']) ids[name] = Number((await addUser(store.db, { address: `${name}@${D}`, password: 'secret-pass-123' })).id);
    ids.olga = Number((await addUser(store.db, { address: `olga@${OTHER}`, password: 'secret-pass-123' })).id);
    ids.team = Number((await addGroup(store.db, { address: `team@${D}` })).id);
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('create by path makes the missing parents; paths are unique ignoring case', async () => {
    const backend = await createUnit(store.db, tenant, ' Engineering / Backend ');
    assert.equal(backend.path, 'Engineering/Backend');
    assert.equal(backend.name, 'Backend');
    const engineering = await findUnit(store.db, tenant, 'engineering');
    assert.equal(backend.parentId, engineering.id);
    await createUnit(store.db, tenant, 'Engineering/Backend/Storage');
    await createUnit(store.db, tenant, 'Engineering/Frontend');
    await createUnit(store.db, tenant, 'Sales');
    await assert.rejects(createUnit(store.db, tenant, 'ENGINEERING/backend'), code('conflict'));
    await assert.rejects(createUnit(store.db, tenant, '//'), code('invalid'));
    assert.deepEqual(flatten(await listUnits(store.db, tenant)), ['Engineering(0)', 'Engineering/Backend(0)', 'Engineering/Backend/Storage(0)', 'Engineering/Frontend(0)', 'Sales(0)']);
  });

  test('units are per tenant', async () => {
    await createUnit(store.db, otherTenant, 'Engineering');
    assert.deepEqual(flatten(await listUnits(store.db, otherTenant)), ['Engineering(0)']);
    await assert.rejects(findUnit(store.db, otherTenant, 'Sales'), code('not_found'));
    // A principal of another tenant cannot be put into this tenant's unit.
    await assert.rejects(assignUnit(store.db, ids.olga, tenant, 'Sales'), code('not_found'));
  });

  test('assigning principals and listing members with and without sub-units', async () => {
    await assignUnit(store.db, ids.alice, tenant, 'Engineering');
    await assignUnit(store.db, ids.bob, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.carol, tenant, 'Engineering/Backend/Storage');
    await assignUnit(store.db, ids.dave, tenant, 'Sales');
    await assignUnit(store.db, ids.team, tenant, 'Engineering/Backend');
    const all = await unitMembers(store.db, tenant, 'Engineering', { includeSubunits: true });
    assert.deepEqual(all.map((m) => `${m.address}@${m.unit}`), [`alice@${D}@Engineering`, `bob@${D}@Engineering/Backend`, `carol@${D}@Engineering/Backend/Storage`, `team@${D}@Engineering/Backend`]);
    assert.deepEqual((await unitMembers(store.db, tenant, 'Engineering/Backend')).map((m) => `${m.kind}:${m.address}`), [`user:bob@${D}`, `group:team@${D}`]);
    assert.equal((await assignUnit(store.db, ids.dave, tenant, '/')), null);
    assert.deepEqual(await unitMembers(store.db, tenant, 'Sales'), []);
    await assignUnit(store.db, ids.dave, tenant, 'Sales');
  });

  test('moving a subtree carries its sub-units and members', async () => {
    const moved = await moveUnit(store.db, tenant, 'Engineering/Backend', 'Sales');
    assert.equal(moved.path, 'Sales/Backend');
    assert.deepEqual(flatten(await listUnits(store.db, tenant)), ['Engineering(1)', 'Engineering/Frontend(0)', 'Sales(1)', 'Sales/Backend(2)', 'Sales/Backend/Storage(1)']);
    assert.deepEqual((await unitMembers(store.db, tenant, 'Sales', { includeSubunits: true })).map((m) => m.address), [`bob@${D}`, `carol@${D}`, `dave@${D}`, `team@${D}`]);
    assert.deepEqual((await unitMembers(store.db, tenant, 'Engineering', { includeSubunits: true })).map((m) => m.address), [`alice@${D}`]);
    // To the top and back.
    assert.equal((await moveUnit(store.db, tenant, 'Sales/Backend', '/')).path, 'Backend');
    assert.equal((await findUnit(store.db, tenant, 'Backend/Storage')).path, 'Backend/Storage');
    assert.equal((await moveUnit(store.db, tenant, 'Backend', 'Engineering')).path, 'Engineering/Backend');
    assert.equal((await findUnit(store.db, tenant, 'Engineering/Backend/Storage')).parentId, (await findUnit(store.db, tenant, 'Engineering/Backend')).id);
  });

  test('a unit cannot move under itself or its own descendants, nor onto a taken name', async () => {
    await assert.rejects(moveUnit(store.db, tenant, 'Engineering', 'Engineering'), code('invalid'));
    await assert.rejects(moveUnit(store.db, tenant, 'Engineering', 'Engineering/Backend/Storage'), (err: unknown) => code('invalid')(err) && /sub-units/.test((err as Error).message));
    await createUnit(store.db, tenant, 'Sales/Frontend');
    await assert.rejects(moveUnit(store.db, tenant, 'Engineering/Frontend', 'Sales'), code('conflict'));
    await removeUnit(store.db, tenant, 'Sales/Frontend');
    assert.deepEqual(flatten(await listUnits(store.db, tenant)), ['Engineering(1)', 'Engineering/Backend(2)', 'Engineering/Backend/Storage(1)', 'Engineering/Frontend(0)', 'Sales(1)']);
  });

  test('rename changes the paths of the whole subtree', async () => {
    const renamed = await renameUnit(store.db, tenant, 'Engineering', 'R&D');
    assert.equal(renamed.path, 'R&D');
    assert.equal((await findUnit(store.db, tenant, 'R&D/Backend/Storage')).name, 'Storage');
    await assert.rejects(renameUnit(store.db, tenant, 'R&D', 'sales'), code('conflict'));
    await assert.rejects(renameUnit(store.db, tenant, 'R&D', 'a/b'), code('invalid'));
    await renameUnit(store.db, tenant, 'R&D', 'Engineering');
  });

  test('admin service: units are tenant-admin work, readable by the tenant\'s administrators, invisible to other tenants', async () => {
    const as = (role: AdminRole, tenantId: number, principalId: number): AdminContext => ({
      db: store.db,
      actor: { name: `#${principalId}`, principalId, role, tenantId, domainIds: [], scopes: null },
      remoteAddress: null,
      via: 'api',
    });
    const tenantAdmin = as('tenant-admin', tenant, ids.alice);
    const domainAdmin = as('domain-admin', tenant, ids.bob);
    const user = as('user', tenant, ids.carol);
    const otherAdmin = as('tenant-admin', otherTenant, ids.olga);
    assert.equal((await adminUnits.addUnit(tenantAdmin, { path: 'Legal' })).path, 'Legal');
    await assert.rejects(adminUnits.addUnit(domainAdmin, { path: 'Legal2' }), code('forbidden'));
    await assert.rejects(adminUnits.addUnit(user, { path: 'Legal2' }), code('forbidden'));
    assert.deepEqual((await adminUnits.listUnits(domainAdmin)).map((u) => u.path), ['Engineering', 'Legal', 'Sales']);
    await assert.rejects(adminUnits.listUnits(user), code('forbidden'));
    // Another tenant's admin sees its own tree, and this tenant's objects do not exist for it.
    assert.deepEqual((await adminUnits.listUnits(otherAdmin)).map((u) => u.path), ['Engineering']);
    await assert.rejects(adminUnits.listUnits(otherAdmin, { tenant: 'default' }), code('not_found'));
    await assert.rejects(adminUnits.assignUnit(otherAdmin, { principal: `dave@${D}`, path: 'Engineering' }), code('not_found'));
    await assert.rejects(adminUnits.removeUnit(otherAdmin, { path: 'Legal' }), code('not_found'));
    assert.deepEqual(await adminUnits.assignUnit(tenantAdmin, { principal: `dave@${D}`, path: 'legal' }), { address: `dave@${D}`, unit: 'Legal' });
    await adminUnits.assignUnit(tenantAdmin, { principal: `dave@${D}`, path: 'Sales' });
    await adminUnits.removeUnit(tenantAdmin, { path: 'Legal' });
    const audit = await store.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'unit.%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => `${a.action} ${a.target}`), ['unit.add Legal', `unit.assign dave@${D}`, `unit.assign dave@${D}`, 'unit.remove Legal']);
  });

  test('remove refuses a unit that is not empty unless its members are re-homed', async () => {
    await assert.rejects(removeUnit(store.db, tenant, 'Engineering/Backend'), (err: unknown) => code('conflict')(err) && /sub-unit/.test((err as Error).message));
    await assert.rejects(removeUnit(store.db, tenant, 'Engineering/Backend/Storage'), (err: unknown) => code('conflict')(err) && /member/.test((err as Error).message));
    await assert.rejects(removeUnit(store.db, tenant, 'Engineering/Backend', { rehomeTo: 'Engineering/Backend/Storage' }), code('invalid'));
    const result = await removeUnit(store.db, tenant, 'Engineering/Backend', { rehomeTo: 'Engineering' });
    assert.deepEqual(result, { removedUnits: 2, rehomedPrincipals: 3 });
    assert.deepEqual((await unitMembers(store.db, tenant, 'Engineering')).map((m) => m.address), [`alice@${D}`, `bob@${D}`, `carol@${D}`, `team@${D}`]);
    assert.deepEqual(await removeUnit(store.db, tenant, 'Engineering/Frontend'), { removedUnits: 1, rehomedPrincipals: 0 });
    assert.deepEqual(flatten(await listUnits(store.db, tenant)), ['Engineering(4)', 'Sales(1)']);
    // The other tenant's same-named unit was never touched.
    assert.deepEqual(flatten(await listUnits(store.db, otherTenant)), ['Engineering(0)']);
  });
});
