// The rest of the mail methods on a shared account (RFC 8620 §1.6.2, RFC 8621 §2 myRights), and
// sharing from JMAP: support@ is shared with alice (every member right) and bob (lrs). Thread/get,
// Thread/changes, SearchSnippet/get, uploads, downloads, Email/import and Email/copy work there
// within the ACL's rights; the personal-only data types are neither offered nor answered there;
// Mailbox.shareWith shows and sets the ACL that IMAP GETACL (python imaplib) reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { simpleMessage } from '../helpers/imap-server.ts';
import { petrelOk } from '../helpers/petrel-process.ts';
import { basic, deliverSmtp, JmapClient, PASSWORD, startJmapPetrel, type Invocation, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jshared.test';
const SUPPORT = `support@${DOMAIN}`;
const MAIL = 'urn:ietf:params:jmap:mail';

function accountNamed(client: JmapClient, name: string): string {
  const found = Object.entries(client.session.accounts as Record<string, { name: string }>).find(([, a]) => a.name === name);
  assert.ok(found, `no account ${name} in ${JSON.stringify(client.session.accounts)}`);
  return found[0];
}

async function call(client: JmapClient, name: string, accountId: string, args: Record<string, unknown>, using?: string[]): Promise<Invocation> {
  const { methodResponses } = await client.request([[name, { accountId, ...args }, 'c0']], using);
  return methodResponses[0];
}

async function upload(client: JmapClient, accountId: string, bytes: Buffer): Promise<Response> {
  return fetch(client.session.uploadUrl.replace('{accountId}', accountId), { method: 'POST', headers: { authorization: client.authorization, 'content-type': 'message/rfc822' }, body: new Uint8Array(bytes) });
}

function downloadUrl(client: JmapClient, accountId: string, blobId: string): string {
  return client.session.downloadUrl.replace('{accountId}', accountId).replace('{blobId}', blobId).replace('{name}', 'm.eml').replace('{type}', 'message/rfc822');
}

/** GETACL as python imaplib sends it, after STARTTLS and LOGIN; the untagged ACL response. */
function imapGetAcl(petrel: JmapPetrel, user: string, mailbox: string): string {
  const script = String.raw`
import imaplib, json, ssl, sys
p = json.loads(sys.argv[1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4('127.0.0.1', p['port'], timeout=60)
M.starttls(ssl_context=ctx)
M.login(p['user'], p['password'])
typ, data = M.getacl(p['mailbox'])
print(json.dumps([typ, [d.decode() for d in data]]))
M.logout()
`;
  const result = spawnSync('python3', ['-c', script, JSON.stringify({ port: petrel.imap, user, password: PASSWORD, mailbox })], { timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr.toString());
  const [typ, data] = JSON.parse(result.stdout.toString()) as [string, string[]];
  assert.equal(typ, 'OK', data.join(' '));
  return data.join(' ');
}

describe('mail methods and sharing on shared accounts over JMAP', () => {
  let petrel: JmapPetrel;
  let alice: JmapClient;
  let bob: JmapClient;
  let carol: JmapClient;
  let supportId: string;
  let inboxId: string;
  let emailId: string;
  let threadId: string;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['alice', 'bob', 'carol']);
    const args = petrel.server.args;
    petrelOk(['shared', 'add', SUPPORT, '--name', 'Support team', '--member', `alice@${DOMAIN}`, ...args]);
    petrelOk(['shared', 'member-add', SUPPORT, `bob@${DOMAIN}`, '--rights', 'lrs', ...args]);
    deliverSmtp(petrel, SUPPORT, simpleMessage({ subject: 'printer on fire', to: SUPPORT, body: 'The printer in room 4 is on fire.\r\n', messageId: '<fire@remote.test>' }));
    alice = await new JmapClient(petrel.base, basic(`alice@${DOMAIN}`)).connect();
    bob = await new JmapClient(petrel.base, basic(`bob@${DOMAIN}`)).connect();
    carol = await new JmapClient(petrel.base, basic(`carol@${DOMAIN}`)).connect();
    supportId = accountNamed(alice, SUPPORT);
    const [, boxes] = await call(alice, 'Mailbox/query', supportId, { filter: { role: 'inbox' } });
    inboxId = (boxes.ids as string[])[0];
    const [, query] = await call(alice, 'Email/query', supportId, { filter: { inMailbox: inboxId } });
    emailId = (query.ids as string[])[0];
    const [, got] = await call(alice, 'Email/get', supportId, { ids: [emailId], properties: ['threadId'] });
    threadId = String((got.list as Record<string, unknown>[])[0].threadId);
  });

  after(async () => {
    await petrel?.destroy();
  });

  test('the Session offers a shared account mail only; the personal-only methods answer accountNotSupportedByMethod there', async () => {
    const shared = (alice.session.accounts as Record<string, { accountCapabilities: Record<string, unknown> }>)[supportId];
    assert.deepEqual(Object.keys(shared.accountCapabilities).sort(), ['urn:ietf:params:jmap:core', MAIL]);
    const own = (alice.session.accounts as Record<string, { accountCapabilities: Record<string, unknown> }>)[alice.accountId];
    assert.ok('urn:ietf:params:jmap:submission' in own.accountCapabilities && 'urn:ietf:params:jmap:vacationresponse' in own.accountCapabilities);
    for (const p of ['urn:ietf:params:jmap:submission', 'urn:ietf:params:jmap:vacationresponse']) assert.equal(alice.session.primaryAccounts[p], alice.accountId);
    const using = ['urn:ietf:params:jmap:core', MAIL, 'urn:ietf:params:jmap:submission', 'urn:ietf:params:jmap:vacationresponse'];
    for (const method of ['Identity/get', 'EmailSubmission/get', 'VacationResponse/get']) {
      const [name, response] = await call(alice, method, supportId, { ids: null }, using);
      assert.deepEqual([name, response.type], ['error', 'accountNotSupportedByMethod'], method);
      const [, refused] = await call(carol, method, supportId, { ids: null }, using);
      assert.equal(refused.type, 'accountNotFound', `${method} for someone the account is not shared with`);
    }
  });

  test('Thread/get and Thread/changes in the shared account, for a member only', async () => {
    const [name, threads] = await call(bob, 'Thread/get', supportId, { ids: [threadId] });
    assert.equal(name, 'Thread/get', JSON.stringify(threads));
    assert.deepEqual(threads.list, [{ id: threadId, emailIds: [emailId] }]);
    const since = String(threads.state);
    deliverSmtp(petrel, SUPPORT, simpleMessage({ subject: 'Re: printer on fire', to: SUPPORT, messageId: '<fire2@remote.test>', headers: ['In-Reply-To: <fire@remote.test>', 'References: <fire@remote.test>'] }));
    const [, changes] = await call(bob, 'Thread/changes', supportId, { sinceState: since });
    assert.deepEqual(changes.updated, [threadId], JSON.stringify(changes));
    const [, grown] = await call(bob, 'Thread/get', supportId, { ids: [threadId] });
    assert.equal(((grown.list as { emailIds: string[] }[])[0].emailIds).length, 2);
    const [, refused] = await call(carol, 'Thread/get', supportId, { ids: [threadId] });
    assert.equal(refused.type, 'accountNotFound');
  });

  test('SearchSnippet/get in the shared account highlights the match', async () => {
    const [name, snippets] = await call(bob, 'SearchSnippet/get', supportId, { emailIds: [emailId], filter: { text: 'printer' } });
    assert.equal(name, 'SearchSnippet/get', JSON.stringify(snippets));
    const [snippet] = snippets.list as { subject: string; preview: string }[];
    assert.equal(snippet.subject, '<mark>printer</mark> on fire');
    assert.match(snippet.preview, /The <mark>printer<\/mark> in room 4/);
  });

  test('upload and Email/import into the shared account need the i right; bob (lrs) is forbidden', async () => {
    const raw = simpleMessage({ subject: 'imported by alice', to: SUPPORT });
    const response = await upload(alice, supportId, raw);
    assert.equal(response.status, 201, await response.clone().text());
    const uploaded = (await response.json()) as { accountId: string; blobId: string; size: number };
    assert.equal(uploaded.accountId, supportId);
    assert.equal(uploaded.size, raw.length);
    const [, imported] = await call(alice, 'Email/import', supportId, { emails: { i: { blobId: uploaded.blobId, mailboxIds: { [inboxId]: true }, keywords: { $seen: true } } } });
    const created = (imported.created as Record<string, { id: string; blobId: string }>)?.i;
    assert.ok(created, JSON.stringify(imported));
    const [, got] = await call(bob, 'Email/get', supportId, { ids: [created.id], properties: ['subject', 'keywords'] });
    assert.deepEqual(got.list, [{ id: created.id, subject: 'imported by alice', keywords: { $seen: true } }]);
    const download = await fetch(downloadUrl(bob, supportId, created.blobId), { headers: { authorization: bob.authorization } });
    assert.equal(download.status, 200);
    assert.equal(Buffer.from(await download.arrayBuffer()).toString(), raw.toString());

    const refused = await upload(bob, supportId, simpleMessage({ subject: 'from bob' }));
    assert.equal(refused.status, 403, 'bob may add to no mailbox of support@');
    const own = await upload(bob, bob.accountId, simpleMessage({ subject: 'from bob' }));
    assert.equal(own.status, 201);
    const { blobId } = (await own.json()) as { blobId: string };
    const [, denied] = await call(bob, 'Email/import', supportId, { emails: { b: { blobId, mailboxIds: { [inboxId]: true } } } });
    assert.equal((denied.notCreated as Record<string, { type: string }>).b?.type, 'forbidden', JSON.stringify(denied));
    const [, notAlices] = await call(alice, 'Email/import', supportId, { emails: { b: { blobId, mailboxIds: { [inboxId]: true } } } });
    assert.equal((notAlices.notCreated as Record<string, { type: string }>).b?.type, 'blobNotFound', "bob's upload is not alice's to use");
    const peek = await fetch(downloadUrl(carol, supportId, created.blobId), { headers: { authorization: carol.authorization } });
    assert.equal(peek.status, 404);
  });

  test('Email/copy from the shared account into one\'s own, with onSuccessDestroyOriginal; bob cannot copy in', async () => {
    deliverSmtp(petrel, SUPPORT, simpleMessage({ subject: 'take this one home', to: SUPPORT }));
    const [, found] = await call(alice, 'Email/query', supportId, { filter: { subject: 'take this one home' } });
    const sourceId = (found.ids as string[])[0];
    const [, ownBoxes] = await call(alice, 'Mailbox/query', alice.accountId, { filter: { role: 'inbox' } });
    const ownInbox = (ownBoxes.ids as string[])[0];
    const { methodResponses } = await alice.request([['Email/copy', { fromAccountId: supportId, accountId: alice.accountId, create: { c: { id: sourceId, mailboxIds: { [ownInbox]: true }, keywords: { $flagged: true } } }, onSuccessDestroyOriginal: true }, 'c0']]);
    assert.equal(methodResponses[0][0], 'Email/copy', JSON.stringify(methodResponses));
    const copy = (methodResponses[0][1].created as Record<string, { id: string }>).c;
    assert.ok(copy, JSON.stringify(methodResponses[0][1]));
    assert.deepEqual([methodResponses[1][0], methodResponses[1][1].destroyed], ['Email/set', [sourceId]], 'the implicit Email/set destroys the original');
    const [, got] = await call(alice, 'Email/get', alice.accountId, { ids: [copy.id], properties: ['subject', 'keywords', 'mailboxIds'] });
    assert.deepEqual(got.list, [{ id: copy.id, subject: 'take this one home', keywords: { $flagged: true }, mailboxIds: { [ownInbox]: true } }]);
    const [, gone] = await call(alice, 'Email/get', supportId, { ids: [sourceId], properties: ['id'] });
    assert.deepEqual(gone.notFound, [sourceId]);

    const [, bobBoxes] = await call(bob, 'Mailbox/query', bob.accountId, { filter: { role: 'inbox' } });
    const [, bobCopy] = await call(bob, 'Email/copy', bob.accountId, { fromAccountId: supportId, create: { c: { id: emailId, mailboxIds: { [(bobBoxes.ids as string[])[0]]: true } } } });
    assert.ok((bobCopy.created as Record<string, unknown>)?.c, `bob (r) may copy out: ${JSON.stringify(bobCopy)}`);
    const [, bobIn] = await call(bob, 'Email/copy', supportId, { fromAccountId: bob.accountId, create: { c: { id: String((bobCopy.created as Record<string, { id: string }>).c.id), mailboxIds: { [inboxId]: true } } } });
    assert.equal((bobIn.notCreated as Record<string, { type: string }>).c?.type, 'forbidden', JSON.stringify(bobIn));
    const [, carolCopy] = await call(carol, 'Email/copy', carol.accountId, { fromAccountId: supportId, create: { c: { id: emailId, mailboxIds: { x: true } } } });
    assert.equal(carolCopy.type, 'fromAccountNotFound');
  });

  test('Mailbox.shareWith shows and sets the ACL IMAP GETACL reads; only the a right may change it', async () => {
    const bobId = bob.accountId;
    const [, made] = await call(alice, 'Mailbox/set', alice.accountId, { create: { t: { name: 'Team', parentId: null } } });
    const teamId = (made.created as Record<string, { id: string; shareWith: unknown }>).t.id;
    assert.equal((made.created as Record<string, { shareWith: unknown }>).t.shareWith, null);
    const [, shared] = await call(alice, 'Mailbox/set', alice.accountId, { update: { [teamId]: { shareWith: { [bobId]: { mayReadItems: true, maySetSeen: true } } } } });
    assert.deepEqual(shared.updated, { [teamId]: null }, JSON.stringify(shared));
    assert.match(imapGetAcl(petrel, `alice@${DOMAIN}`, 'Team'), new RegExp(`"?bob@${DOMAIN.replace('.', '\\.')}"? lrs\\b`));
    const [, flagged] = await call(alice, 'Mailbox/set', alice.accountId, { update: { [teamId]: { [`shareWith/${bobId}/maySetKeywords`]: true } } });
    assert.deepEqual(flagged.updated, { [teamId]: null }, JSON.stringify(flagged));
    assert.match(imapGetAcl(petrel, `alice@${DOMAIN}`, 'Team'), new RegExp(`"?bob@${DOMAIN.replace('.', '\\.')}"? lrsw\\b`));
    const [, got] = await call(alice, 'Mailbox/get', alice.accountId, { ids: [teamId], properties: ['shareWith'] });
    const rights = ((got.list as { shareWith: Record<string, Record<string, boolean>> }[])[0].shareWith)[bobId];
    assert.deepEqual([rights.mayReadItems, rights.maySetSeen, rights.maySetKeywords, rights.mayAddItems, rights.mayShare], [true, true, true, false, false]);

    const bobNow = await new JmapClient(petrel.base, bob.authorization).connect();
    assert.equal(accountNamed(bobNow, `alice@${DOMAIN}`), alice.accountId, "bob's Session now lists alice's account");
    const [, bobView] = await call(bobNow, 'Mailbox/get', alice.accountId, { ids: [teamId], properties: ['shareWith', 'myRights'] });
    assert.equal((bobView.list as { shareWith: unknown }[])[0].shareWith, null, 'bob may not administer, so he does not see who else shares it');
    const [, bobShares] = await call(bobNow, 'Mailbox/set', alice.accountId, { update: { [teamId]: { [`shareWith/${carol.accountId}`]: { mayReadItems: true } } } });
    assert.equal((bobShares.notUpdated as Record<string, { type: string }>)[teamId]?.type, 'forbidden');
    const [, bad] = await call(alice, 'Mailbox/set', alice.accountId, { update: { [teamId]: { shareWith: { nobody: { mayReadItems: true } } } } });
    assert.equal((bad.notUpdated as Record<string, { type: string }>)[teamId]?.type, 'invalidProperties');

    const [, unshared] = await call(alice, 'Mailbox/set', alice.accountId, { update: { [teamId]: { shareWith: null } } });
    assert.deepEqual(unshared.updated, { [teamId]: null });
    assert.doesNotMatch(imapGetAcl(petrel, `alice@${DOMAIN}`, 'Team'), /bob@/);
    const [, after] = await call(alice, 'Mailbox/get', alice.accountId, { ids: [teamId], properties: ['shareWith'] });
    assert.equal((after.list as { shareWith: unknown }[])[0].shareWith, null);
  });
});
