// Groups in the directory: membership with nesting, cycles refused, expansion with each person
// once, and the send policies. On both store dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addAlias } from '../../src/directory/aliases.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { addGroup, addMember, expandGroup, listGroups, listMembers, removeGroup, removeMember, setSendPolicy } from '../../src/directory/groups.ts';
import { expandRecipients, resolveRecipient, type LocalRecipient } from '../../src/directory/recipients.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'groups.test';

async function resolved(store: Store, address: string, sender?: string): Promise<LocalRecipient> {
  const r = await resolveRecipient(store.db, address, sender);
  assert.ok(r, `${address} resolves`);
  return r;
}

forEachDialect('directory groups', (fixture) => {
  let store: Store;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, D);
    for (const name of ['alice', 'bob', 'carol', 'dave']) ids[name] = (await addUser(store.db, { address: `${name}@${D}`, password: 'secret-pass' })).id;
    // all ⊃ {alice, eng}, eng ⊃ {bob, carol, ops}, ops ⊃ {carol, alice}: carol and alice twice.
    await addGroup(store.db, { address: `ops@${D}`, members: [`carol@${D}`, `alice@${D}`] });
    await addGroup(store.db, { address: `eng@${D}`, members: [`bob@${D}`, `carol@${D}`, `ops@${D}`] });
    await addGroup(store.db, { address: `all@${D}`, displayName: 'Everyone', members: [`alice@${D}`, `eng@${D}`] });
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('nested expansion gives each person once', async () => {
    const all = await resolved(store, `all@${D}`);
    const people = expandRecipients([all]).map((r) => r.principalId).sort();
    assert.deepEqual(people, [ids.alice, ids.bob, ids.carol].sort());
    assert.deepEqual((await listMembers(store.db, `all@${D}`, { expand: true })).map((m) => m.address), [`alice@${D}`, `bob@${D}`, `carol@${D}`]);
    assert.deepEqual((await listMembers(store.db, `all@${D}`)).map((m) => `${m.kind}:${m.address}`), [`user:alice@${D}`, `group:eng@${D}`]);
  });

  test('a message to a group and to a member directly: one copy each', async () => {
    const list = [await resolved(store, `all@${D}`), await resolved(store, `bob@${D}`), await resolved(store, `eng@${D}`), await resolved(store, `dave@${D}`)];
    const people = expandRecipients(list).map((r) => r.principalId).sort();
    assert.deepEqual(people, [ids.alice, ids.bob, ids.carol, ids.dave].sort());
  });

  test('cycles are refused, directly and through nesting', async () => {
    await assert.rejects(addMember(store.db, `ops@${D}`, `all@${D}`), (err: unknown) => err instanceof DirectoryError && /cycle/.test(err.message));
    await assert.rejects(addMember(store.db, `eng@${D}`, `eng@${D}`), (err: unknown) => err instanceof DirectoryError && /itself/.test(err.message));
    await assert.rejects(addMember(store.db, `all@${D}`, `alice@${D}`), (err: unknown) => err instanceof DirectoryError && err.code === 'conflict');
    await assert.rejects(addMember(store.db, `all@${D}`, `nobody@${D}`), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found');
  });

  test('expansion ends even on a cycle already in the database', async () => {
    await addGroup(store.db, { address: `loop-a@${D}`, members: [`dave@${D}`] });
    await addGroup(store.db, { address: `loop-b@${D}`, members: [`loop-a@${D}`, `bob@${D}`] });
    const a = await resolved(store, `loop-a@${D}`);
    const b = await resolved(store, `loop-b@${D}`);
    // Written behind addMember's back, as an old or hand-edited database might hold.
    await store.db.insertInto('group_members').values({ group_id: a.principalId, member_id: b.principalId }).execute();
    assert.deepEqual((await expandGroup(store.db, a.principalId)).map((p) => p.id).sort(), [ids.bob, ids.dave].sort());
    await removeGroup(store.db, `loop-b@${D}`);
    await removeGroup(store.db, `loop-a@${D}`);
  });

  test('a group alias resolves to the group', async () => {
    await addAlias(store.db, `everyone@${D}`, `all@${D}`);
    const r = await resolved(store, `everyone@${D}`);
    assert.equal(expandRecipients([r]).length, 3);
    assert.deepEqual((await listGroups(store.db)).find((g) => g.address === `all@${D}`)?.aliases, [`everyone@${D}`]);
  });

  test('send policies', async () => {
    assert.equal((await resolved(store, `eng@${D}`, 'stranger@remote.test')).refusal, undefined, 'anyone is the default');
    await setSendPolicy(store.db, `eng@${D}`, 'members');
    assert.match((await resolved(store, `eng@${D}`, 'stranger@remote.test')).refusal ?? '', /only its members/);
    assert.match((await resolved(store, `eng@${D}`, `dave@${D}`)).refusal ?? '', /only its members/);
    // alice is in eng only through ops; a +detail still counts.
    assert.equal((await resolved(store, `eng@${D}`, `alice+x@${D}`)).refusal, undefined);
    await setSendPolicy(store.db, `eng@${D}`, 'organisation');
    assert.equal((await resolved(store, `eng@${D}`, `dave@${D}`)).refusal, undefined);
    assert.match((await resolved(store, `eng@${D}`, 'stranger@remote.test')).refusal ?? '', /organisation/);
    await setSendPolicy(store.db, `eng@${D}`, 'listed', ['boss@remote.test']);
    assert.equal((await resolved(store, `eng@${D}`, 'Boss@remote.test')).refusal, undefined);
    assert.match((await resolved(store, `eng@${D}`, `bob@${D}`)).refusal ?? '', /listed senders/);
    assert.equal((await resolved(store, `eng@${D}`)).refusal, undefined, 'no sender given: no check');
    await setSendPolicy(store.db, `eng@${D}`, 'anyone');
  });

  test('removing members and groups', async () => {
    await removeMember(store.db, `all@${D}`, `alice@${D}`);
    assert.equal(expandRecipients([await resolved(store, `all@${D}`)]).length, 3, 'alice still comes through ops');
    await removeGroup(store.db, `ops@${D}`);
    assert.deepEqual(expandRecipients([await resolved(store, `all@${D}`)]).map((r) => r.principalId).sort(), [ids.bob, ids.carol].sort());
    assert.equal(await resolveRecipient(store.db, `ops@${D}`), false);
  });
});
