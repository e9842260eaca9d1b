// Dynamic group members on both store dialects: `unit:PATH` reaches every user currently in
// the unit and its sub-units (`unit-only:PATH` the unit alone), together with nested groups, each
// person once, disabled users and non-users left out, and membership following unit changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { addGroup, addMember, expandGroup, listGroups, listMembers, removeMember } from '../../src/directory/groups.ts';
import { assignUnit, createUnit, moveUnit, removeUnit } from '../../src/directory/org-units.ts';
import { expandRecipients, resolveRecipient } from '../../src/directory/recipients.ts';
import { createTenant, ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'unit-groups.test';

forEachDialect('groups with org-unit members', (fixture) => {
  let store: Store;
  let tenant: number;
  const ids: Record<string, number> = {};
  const people = async (group: string) => {
    const r = await resolveRecipient(store.db, `${group}@${D}`);
    assert.ok(r);
    return expandRecipients([r]).map((x) => x.principalId).sort((a, b) => a - b);
  };
  const idsOf = (...names: string[]) => names.map((n) => ids[n]).sort((a, b) => a - b);

  before(async () => {
    store = await fixture().open();
    tenant = Number((await ensureDefaultTenant(store.db)).id);
    await createTenant(store.db, { name: 'elsewhere' });
    await addDomain(store.db, D);
    await addDomain(store.db, 'elsewhere-units.test', { tenant: 'elsewhere' });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) ids[name] = Number((await addUser(store.db, { address: `${name}@${D}`, password: 'secret-pass-123' })).id);
    await createUnit(store.db, tenant, 'Engineering/Backend');
    await createUnit(store.db, tenant, 'Sales');
    await assignUnit(store.db, ids.alice, tenant, 'Engineering');
    await assignUnit(store.db, ids.bob, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.dave, tenant, 'Sales');
    // A group in the unit is not a person: a unit member never expands to it.
    ids.ops = Number((await addGroup(store.db, { address: `ops@${D}`, members: [`erin@${D}`] })).id);
    await assignUnit(store.db, ids.ops, tenant, 'Engineering');
    // staff = unit Engineering (alice, bob) + nested group leads (bob, carol): bob twice.
    await addGroup(store.db, { address: `leads@${D}`, members: [`bob@${D}`, `carol@${D}`] });
    ids.staff = Number((await addGroup(store.db, { address: `staff@${D}`, members: ['unit:Engineering', `leads@${D}`] })).id);
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('a unit member reaches the unit and its sub-units; with nested groups each person once', async () => {
    assert.deepEqual(await people('staff'), idsOf('alice', 'bob', 'carol'));
    assert.deepEqual((await listMembers(store.db, `staff@${D}`)).map((m) => `${m.kind}:${m.address}`), [`group:leads@${D}`, 'unit:unit:Engineering']);
  });

  test('unit-only leaves the sub-units out', async () => {
    await addGroup(store.db, { address: `eng-core@${D}`, members: ['unit-only:engineering'] });
    assert.deepEqual(await people('eng-core'), idsOf('alice'));
    assert.deepEqual((await listMembers(store.db, `eng-core@${D}`)).map((m) => m.address), ['unit-only:Engineering']);
  });

  test('membership follows the unit: assignments, moves and disabled users', async () => {
    await assignUnit(store.db, ids.dave, tenant, 'Engineering/Backend');
    assert.deepEqual(await people('staff'), idsOf('alice', 'bob', 'carol', 'dave'));
    await moveUnit(store.db, tenant, 'Engineering/Backend', 'Sales');
    assert.deepEqual(await people('staff'), idsOf('alice', 'bob', 'carol'), 'bob still comes through leads');
    await moveUnit(store.db, tenant, 'Sales/Backend', 'Engineering');
    await store.db.updateTable('principals').set({ disabled: 1 }).where('id', '=', ids.alice).execute();
    assert.deepEqual((await expandGroup(store.db, ids.staff)).map((p) => Number(p.id)).sort((a, b) => a - b), idsOf('bob', 'carol', 'dave'));
    await store.db.updateTable('principals').set({ disabled: 0 }).where('id', '=', ids.alice).execute();
  });

  test('units nest with groups without cycles; errors name the member', async () => {
    // all ⊃ staff ⊃ unit Engineering; adding unit Sales to leads is fine (units contain no groups).
    await addGroup(store.db, { address: `all@${D}`, members: [`staff@${D}`, 'unit:Sales'] });
    await addMember(store.db, `leads@${D}`, 'unit:Sales');
    assert.deepEqual(await people('all'), idsOf('alice', 'bob', 'carol', 'dave'));
    await assert.rejects(addMember(store.db, `leads@${D}`, 'unit:Sales'), (err: unknown) => err instanceof DirectoryError && err.code === 'conflict');
    await assert.rejects(addMember(store.db, `leads@${D}`, 'unit:Nowhere'), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found' && err.field === 'member');
    await removeMember(store.db, `leads@${D}`, 'unit:sales');
    await assert.rejects(removeMember(store.db, `leads@${D}`, 'unit:Sales'), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found');
    assert.deepEqual((await listGroups(store.db)).find((g) => g.address === `all@${D}`)?.members, [`staff@${D}`, 'unit:Sales']);
  });

  test('units resolve in the group\'s own tenant only', async () => {
    await addGroup(store.db, { address: `outsiders@elsewhere-units.test` });
    await assert.rejects(addMember(store.db, 'outsiders@elsewhere-units.test', 'unit:Engineering'), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found');
  });

  test('a unit that groups name is removed only when re-homed, and the groups follow', async () => {
    await assert.rejects(removeUnit(store.db, tenant, 'Sales'), (err: unknown) => err instanceof DirectoryError && /group/.test(err.message));
    await removeUnit(store.db, tenant, 'Sales', { rehomeTo: 'Engineering' });
    assert.deepEqual((await listMembers(store.db, `all@${D}`)).map((m) => m.address), [`staff@${D}`, 'unit:Engineering']);
    assert.deepEqual(await people('all'), idsOf('alice', 'bob', 'carol', 'dave'));
  });
});
