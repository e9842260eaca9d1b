// Identity/get, /changes, /set (RFC 8621 §6) over HTTP: one identity per address the user may
// send from (own addresses, and shared ones with send-as or send-on-behalf), stable ids, edits
// kept, extra identities only for sendable addresses (forbiddenFrom otherwise).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrelOk } from '../helpers/petrel-process.ts';
import { basic, JmapClient, startJmapPetrel, USING, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-identity.test';
const ANN = `ann@${DOMAIN}`;
const SUPPORT = `support@${DOMAIN}`;
const SALES = `sales@${DOMAIN}`;
const SUBMISSION = 'urn:ietf:params:jmap:submission';

interface IdentityObject {
  id: string;
  name: string;
  email: string;
  textSignature: string;
  mayDelete: boolean;
}

describe('Identity', () => {
  let petrel: JmapPetrel;
  let ann: JmapClient;

  const call = async (name: string, args: Record<string, unknown>) => {
    const { methodResponses } = await ann.request([[name, { accountId: ann.accountId, ...args }, 'c0']], [...USING, SUBMISSION]);
    return methodResponses[0];
  };
  const identities = async () => (await call('Identity/get', {}))[1] as { state: string; list: IdentityObject[] };

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann', 'bob']);
    petrelOk(['alias', 'add', `a.nn@${DOMAIN}`, ANN, ...petrel.server.args]);
    petrelOk(['shared', 'add', SUPPORT, '--member', ANN, '--send-as', ...petrel.server.args]);
    petrelOk(['shared', 'add', SALES, '--member', `bob@${DOMAIN}`, '--send-as', ...petrel.server.args]);
    ann = await new JmapClient(petrel.base, basic(ANN)).connect();
  });
  after(async () => {
    await petrel?.destroy();
  });

  test('without the submission capability in using, Identity/get is an unknown method', async () => {
    const { methodResponses } = await ann.request([['Identity/get', { accountId: ann.accountId }, 'c0']]);
    assert.equal(methodResponses[0][0], 'error');
    assert.equal(methodResponses[0][1].type, 'unknownMethod');
  });

  test('one identity per sendable address, none for a shared mailbox the user has no send right on', async () => {
    const { list } = await identities();
    assert.deepEqual(list.map((i) => i.email).sort(), [`a.nn@${DOMAIN}`, ANN, SUPPORT]);
    assert.ok(list.every((i) => i.mayDelete === false));
    assert.deepEqual((await identities()).list.map((i) => i.id), list.map((i) => i.id), 'ids are stable');
  });

  test('an update is kept and moves the state; /changes from the old state asks for a fresh fetch', async () => {
    const before = await identities();
    const own = before.list.find((i) => i.email === ANN)!;
    const [, set] = await call('Identity/set', { update: { [own.id]: { name: 'Ann Example', textSignature: '-- \nAnn' } } });
    assert.deepEqual(set.updated, { [own.id]: null });
    const after = await identities();
    const updated = after.list.find((i) => i.id === own.id)!;
    assert.equal(updated.name, 'Ann Example');
    assert.equal(updated.textSignature, '-- \nAnn');
    assert.notEqual(after.state, before.state);
    const [name, error] = await call('Identity/changes', { sinceState: before.state });
    assert.equal(name, 'error');
    assert.equal(error.type, 'cannotCalculateChanges');
    const [, same] = await call('Identity/changes', { sinceState: after.state });
    assert.deepEqual(same.updated, []);
    const [, refused] = await call('Identity/set', { update: { [own.id]: { email: SALES } } });
    assert.equal((refused.notUpdated as Record<string, { type: string }>)[own.id].type, 'invalidProperties');
  });

  test('an extra identity can be created for a sendable address and destroyed; a foreign one is forbiddenFrom', async () => {
    const [, set] = await call('Identity/set', { create: { team: { email: SUPPORT, name: 'Support team' }, foreign: { email: SALES, name: 'Sales' } } });
    assert.equal((set.notCreated as Record<string, { type: string }>).foreign.type, 'forbiddenFrom');
    const created = (set.created as Record<string, { id: string; mayDelete: boolean }>).team;
    assert.equal(created.mayDelete, true);
    const extra = (await identities()).list.find((i) => i.id === created.id);
    assert.equal(extra?.name, 'Support team');
    const own = (await identities()).list.find((i) => i.email === ANN)!;
    const [, destroyed] = await call('Identity/set', { destroy: [created.id, own.id] });
    assert.deepEqual(destroyed.destroyed, [created.id]);
    assert.equal((destroyed.notDestroyed as Record<string, { type: string }>)[own.id].type, 'forbidden');
  });
});
