// JMAP over a real socket with raw fetch: the Session resource (RFC 8620 §2), authentication,
// request-level problems (§3.6.1), Core/echo and the Mailbox methods (RFC 8621 §2).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { basic, JmapClient, PASSWORD, startJmapPetrel, USING, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-session.test';

describe('JMAP session, auth and mailboxes', () => {
  let petrel: JmapPetrel;
  let client: JmapClient;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann', 'ben']);
    client = await new JmapClient(petrel.base, basic(`ann@${DOMAIN}`)).connect();
  });
  after(async () => petrel?.destroy());

  test('the Session object names the capabilities, the account and the resource URLs', () => {
    const s = client.session;
    const core = (s.capabilities as Record<string, Record<string, unknown>>)['urn:ietf:params:jmap:core'];
    assert.ok(core && typeof core.maxSizeRequest === 'number' && typeof core.maxCallsInRequest === 'number' && Array.isArray(core.collationAlgorithms));
    assert.ok('urn:ietf:params:jmap:mail' in (s.capabilities as object));
    assert.equal(s.username, `ann@${DOMAIN}`);
    const account = s.accounts[client.accountId] as Record<string, unknown>;
    assert.equal(account.name, `ann@${DOMAIN}`);
    assert.equal(account.isPersonal, true);
    assert.equal(account.isReadOnly, false);
    assert.ok('urn:ietf:params:jmap:mail' in (account.accountCapabilities as object));
    assert.equal(s.apiUrl, `${petrel.base}/jmap/api`);
    assert.equal(s.downloadUrl, `${petrel.base}/jmap/download/{accountId}/{blobId}/{name}?type={type}`);
    assert.equal(s.uploadUrl, `${petrel.base}/jmap/upload/{accountId}/`);
    assert.match(String(s.eventSourceUrl), /\{types\}.*\{closeafter\}.*\{ping\}/);
    assert.equal(typeof s.state, 'string');
  });

  test('no credentials or wrong ones are 401 with a Basic challenge', async () => {
    for (const headers of [{}, { authorization: basic(`ann@${DOMAIN}`, 'wrong password') }, { authorization: 'Bearer not-a-session' }] as Record<string, string>[]) {
      const session = await fetch(`${petrel.base}/.well-known/jmap`, { headers });
      assert.equal(session.status, 401);
      assert.match(session.headers.get('www-authenticate') ?? '', /^Basic realm="Petrel"/);
      const api = await fetch(`${petrel.base}/jmap/api`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ using: USING, methodCalls: [] }) });
      assert.equal(api.status, 401);
    }
  });

  test('a webmail session token works as Bearer, and stops working once signed out', async () => {
    const login = await fetch(`${petrel.base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: `ann@${DOMAIN}`, password: PASSWORD }) });
    assert.equal(login.status, 201, await login.clone().text());
    const { token } = (await login.json()) as { token: string };
    const bearer = await new JmapClient(petrel.base, `Bearer ${token}`).connect();
    assert.equal(bearer.accountId, client.accountId);
    const { methodResponses } = await bearer.request([['Mailbox/get', { accountId: bearer.accountId, ids: [] }, '0']]);
    assert.equal(methodResponses[0][0], 'Mailbox/get');
    const logout = await fetch(`${petrel.base}/api/v1/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.ok(logout.status < 300, `sign out: ${logout.status}`);
    assert.equal((await fetch(`${petrel.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  test('request-level problems are 400 application/problem+json (RFC 8620 §3.6.1)', async () => {
    const post = (body: string) => fetch(client.session.apiUrl, { method: 'POST', headers: { authorization: client.authorization, 'content-type': 'application/json' }, body });
    const unknown = await post(JSON.stringify({ using: [...USING, 'urn:example:nope'], methodCalls: [['Core/echo', {}, '0']] }));
    assert.equal(unknown.status, 400);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(((await unknown.json()) as { type: string }).type, 'urn:ietf:params:jmap:error:unknownCapability');
    const notJson = await post('{not json');
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { type: string }).type, 'urn:ietf:params:jmap:error:notJSON');
    const notRequest = await post(JSON.stringify({ using: USING }));
    assert.equal(((await notRequest.json()) as { type: string }).type, 'urn:ietf:params:jmap:error:notRequest');
  });

  test('Core/echo returns its arguments; a method of a capability not in "using" is unknownMethod', async () => {
    const { methodResponses } = await client.request([['Core/echo', { hello: true, high: 5 }, 'b3ff']]);
    assert.deepEqual(methodResponses, [['Core/echo', { hello: true, high: 5 }, 'b3ff']]);
    const scoped = await client.request([['Mailbox/get', { accountId: client.accountId }, 'x']], ['urn:ietf:params:jmap:core']);
    assert.equal(scoped.methodResponses[0][0], 'error');
    assert.equal(scoped.methodResponses[0][1].type, 'unknownMethod');
  });

  test("another principal's account is accountNotFound", async () => {
    const ben = await new JmapClient(petrel.base, basic(`ben@${DOMAIN}`)).connect();
    assert.notEqual(ben.accountId, client.accountId);
    const { methodResponses } = await ben.request([['Mailbox/get', { accountId: client.accountId }, '0']]);
    assert.deepEqual(methodResponses[0][0], 'error');
    assert.equal(methodResponses[0][1].type, 'accountNotFound');
  });

  test('Mailbox/get lists the default mailboxes with roles, counts and rights', async () => {
    const result = await client.call('Mailbox/get', { ids: null });
    const list = result.list as Record<string, unknown>[];
    const byRole = new Map(list.map((m) => [m.role, m]));
    for (const role of ['inbox', 'drafts', 'sent', 'junk', 'trash', 'archive']) assert.ok(byRole.has(role), `a mailbox with role ${role}`);
    const inbox = byRole.get('inbox')!;
    assert.equal(inbox.name, 'INBOX');
    assert.equal(inbox.parentId, null);
    assert.equal(inbox.totalEmails, 0);
    assert.equal(inbox.isSubscribed, true);
    assert.equal((inbox.myRights as Record<string, boolean>).mayDelete, false);
    assert.match(String(result.state), /^\d+$/);
    const some = await client.call('Mailbox/get', { ids: [String(inbox.id), 'Fzzzz'], properties: ['name'] });
    assert.deepEqual(some.list, [{ id: inbox.id, name: 'INBOX' }]);
    assert.deepEqual(some.notFound, ['Fzzzz']);
  });

  test('Mailbox/set creates a tree, renames, moves and subscribes; /changes and /query see it', async () => {
    const state = String((await client.call('Mailbox/get', { ids: [] })).state);
    const { methodResponses } = await client.request([
      ['Mailbox/set', { accountId: client.accountId, create: { child: { name: 'Q3', parentId: '#top' }, top: { name: 'Projects', isSubscribed: true } } }, '0'],
      ['Mailbox/get', { accountId: client.accountId, ids: ['#child'], properties: ['name', 'parentId', 'isSubscribed'] }, '1'],
    ]);
    const set = methodResponses[0][1] as { created: Record<string, { id: string }>; notCreated: object; oldState: string; newState: string };
    assert.deepEqual(set.notCreated, {});
    const top = set.created.top.id;
    const child = set.created.child.id;
    assert.equal(set.oldState, state);
    assert.deepEqual((methodResponses[1][1] as { list: unknown[] }).list, [{ id: child, name: 'Q3', parentId: top, isSubscribed: false }]);

    const changes = await client.call('Mailbox/changes', { sinceState: state });
    assert.deepEqual([...(changes.created as string[])].sort(), [top, child].sort());
    assert.equal(changes.newState, set.newState);

    const renamed = await client.call('Mailbox/set', { update: { [child]: { name: 'Q4', parentId: null, isSubscribed: true } } });
    assert.deepEqual(renamed.updated, { [child]: null });
    const after = await client.call('Mailbox/get', { ids: [child], properties: ['name', 'parentId', 'isSubscribed'] });
    assert.deepEqual(after.list, [{ id: child, name: 'Q4', parentId: null, isSubscribed: true }]);
    const since = await client.call('Mailbox/changes', { sinceState: set.newState });
    assert.deepEqual(since.updated, [child]);

    const query = await client.call('Mailbox/query', { filter: { operator: 'AND', conditions: [{ parentId: null }, { hasAnyRole: false }] }, sort: [{ property: 'name' }], calculateTotal: true });
    assert.deepEqual(query.ids, [top, child]);
    assert.equal(query.total, 2);
    const roles = await client.call('Mailbox/query', { filter: { role: 'trash' } });
    assert.equal((roles.ids as string[]).length, 1);
    const unchanged = await client.call('Mailbox/queryChanges', { filter: { role: 'trash' }, sinceQueryState: roles.queryState });
    assert.deepEqual([unchanged.removed, unchanged.added], [[], []]);
    const qc = await client.request([['Mailbox/queryChanges', { accountId: client.accountId, sinceQueryState: '999999' }, 'q']]);
    assert.equal(qc.methodResponses[0][1].type, 'cannotCalculateChanges', 'a state the account never had');

    const destroyed = await client.call('Mailbox/set', { destroy: [top, child] });
    assert.deepEqual(destroyed.destroyed, [top, child]);
    const gone = await client.call('Mailbox/changes', { sinceState: String(renamed.newState) });
    assert.deepEqual([...(gone.destroyed as string[])].sort(), [top, child].sort());
  });

  test('Mailbox/set refuses bad names, duplicate names, INBOX destroy and a stale ifInState', async () => {
    const inbox = ((await client.call('Mailbox/query', { filter: { role: 'inbox' } })).ids as string[])[0];
    const result = await client.call('Mailbox/set', { create: { slash: { name: 'a/b' }, dup: { name: 'Sent' } }, destroy: [inbox] });
    const notCreated = result.notCreated as Record<string, { type: string; properties: string[] }>;
    assert.equal(notCreated.slash.type, 'invalidProperties');
    assert.equal(notCreated.dup.type, 'invalidProperties');
    assert.deepEqual(notCreated.dup.properties, ['name']);
    assert.equal((result.notDestroyed as Record<string, { type: string }>)[inbox].type, 'forbidden');
    const fixed = await client.call('Mailbox/set', { update: { [inbox]: { sortOrder: 99 } } });
    assert.deepEqual((fixed.notUpdated as Record<string, { properties: string[] }>)[inbox].properties, ['sortOrder']);
    const { methodResponses } = await client.request([['Mailbox/set', { accountId: client.accountId, ifInState: '1', create: { x: { name: 'X' } } }, '0']]);
    assert.equal(methodResponses[0][1].type, 'stateMismatch');
    const bad = await client.request([['Mailbox/changes', { accountId: client.accountId, sinceState: '999999' }, '0']]);
    assert.equal(bad.methodResponses[0][1].type, 'cannotCalculateChanges');
  });
});
