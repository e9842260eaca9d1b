// Shared accounts over JMAP (RFC 8620 §1.6.2, RFC 8621 §2 myRights): support@ is shared with
// alice (every member right) and bob (lrs); mail reaches it through the MX; each member's Session
// lists the account, methods there see its mailboxes with the ACL's rights, writes are checked as
// IMAP checks them, carol (no member) cannot reach it, and an IMAP change by alice in
// Shared/support@.../INBOX shows in bob's Email/changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { simpleMessage } from '../helpers/imap-server.ts';
import { petrelOk } from '../helpers/petrel-process.ts';
import { basic, deliverSmtp, JmapClient, PASSWORD, startJmapPetrel, type Invocation, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jshare.test';
const SUPPORT = `support@${DOMAIN}`;

interface SessionAccount {
  name: string;
  isPersonal: boolean;
  isReadOnly: boolean;
  accountCapabilities: Record<string, unknown>;
}

/** The id of the account named `name` in a Session. */
function accountNamed(client: JmapClient, name: string): string {
  const found = Object.entries(client.session.accounts as Record<string, SessionAccount>).find(([, a]) => a.name === name);
  assert.ok(found, `no account ${name} in ${JSON.stringify(client.session.accounts)}`);
  return found[0];
}

/** One method call on an account; the whole response invocation. */
async function call(client: JmapClient, name: string, accountId: string, args: Record<string, unknown>): Promise<Invocation> {
  const { methodResponses } = await client.request([[name, { accountId, ...args }, 'c0']]);
  return methodResponses[0];
}

describe('shared accounts over JMAP', () => {
  let petrel: JmapPetrel;
  let alice: JmapClient;
  let bob: JmapClient;
  let carol: JmapClient;
  let supportId: string;
  let emailId: string;
  let inboxId: string;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['alice', 'bob', 'carol']);
    const args = petrel.server.args;
    petrelOk(['shared', 'add', SUPPORT, '--name', 'Support team', '--member', `alice@${DOMAIN}`, ...args]);
    petrelOk(['shared', 'member-add', SUPPORT, `bob@${DOMAIN}`, '--rights', 'lrs', ...args]);
    deliverSmtp(petrel, SUPPORT, simpleMessage({ subject: 'printer on fire', to: SUPPORT, body: 'Please help.\r\n' }));
    alice = await new JmapClient(petrel.base, basic(`alice@${DOMAIN}`)).connect();
    bob = await new JmapClient(petrel.base, basic(`bob@${DOMAIN}`)).connect();
    carol = await new JmapClient(petrel.base, basic(`carol@${DOMAIN}`)).connect();
  });

  after(async () => {
    await petrel?.destroy();
  });

  test("each member's Session lists support@ as a shared, non-personal mail account", () => {
    supportId = accountNamed(alice, SUPPORT);
    const accounts = alice.session.accounts as Record<string, SessionAccount>;
    assert.equal(accounts[supportId].isPersonal, false);
    assert.equal(accounts[supportId].isReadOnly, false);
    assert.ok('urn:ietf:params:jmap:mail' in accounts[supportId].accountCapabilities);
    assert.notEqual(supportId, alice.accountId, 'the primary mail account stays alice\'s own');
    assert.equal(accountNamed(bob, SUPPORT), supportId, 'bob sees the same account');
    assert.equal((bob.session.accounts as Record<string, SessionAccount>)[supportId].isReadOnly, false, 'lrs may still set \\Seen');
    assert.deepEqual(Object.keys(carol.session.accounts), [carol.accountId], 'carol has only her own account');
  });

  test('Mailbox/get in the shared account shows myRights from the ACL', async () => {
    const [, aliceBoxes] = await call(alice, 'Mailbox/get', supportId, { ids: null });
    const aliceInbox = (aliceBoxes.list as Record<string, unknown>[]).find((m) => m.role === 'inbox')!;
    inboxId = String(aliceInbox.id);
    assert.deepEqual(aliceInbox.myRights, { mayReadItems: true, mayAddItems: true, mayRemoveItems: true, maySetSeen: true, maySetKeywords: true, mayCreateChild: true, mayRename: false, mayDelete: false, maySubmit: true });
    assert.equal(aliceInbox.totalEmails, 1);
    const [, bobBoxes] = await call(bob, 'Mailbox/get', supportId, { ids: [inboxId] });
    assert.deepEqual((bobBoxes.list as Record<string, unknown>[])[0].myRights, { mayReadItems: true, mayAddItems: false, mayRemoveItems: false, maySetSeen: true, maySetKeywords: false, mayCreateChild: false, mayRename: false, mayDelete: false, maySubmit: false });
  });

  test('Email/query and Email/get in the shared account return the delivered message', async () => {
    const [, query] = await call(alice, 'Email/query', supportId, { filter: { inMailbox: inboxId } });
    assert.equal((query.ids as string[]).length, 1);
    emailId = (query.ids as string[])[0];
    const [, got] = await call(bob, 'Email/get', supportId, { ids: [emailId], properties: ['subject', 'mailboxIds', 'keywords'] });
    const email = (got.list as Record<string, unknown>[])[0];
    assert.equal(email.subject, 'printer on fire');
    assert.deepEqual(email.mailboxIds, { [inboxId]: true });
    const [, own] = await call(alice, 'Email/get', alice.accountId, { ids: [emailId] });
    assert.deepEqual(own.notFound, [emailId], "the email is not in alice's own account");
  });

  test('the message downloads from the shared account for a member, not for carol', async () => {
    const [, got] = await call(bob, 'Email/get', supportId, { ids: [emailId], properties: ['blobId'] });
    const blobId = String((got.list as Record<string, unknown>[])[0].blobId);
    const url = (client: JmapClient) => client.session.downloadUrl.replace('{accountId}', supportId).replace('{blobId}', blobId).replace('{name}', 'ticket.eml').replace('{type}', 'message/rfc822');
    const response = await fetch(url(bob), { headers: { authorization: bob.authorization } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Subject: printer on fire/);
    const refused = await fetch(url(carol), { headers: { authorization: carol.authorization } });
    assert.equal(refused.status, 404);
  });

  test("bob's rights (lrs) allow $seen but refuse $flagged and moves, as IMAP does", async () => {
    const [, flagged] = await call(bob, 'Email/set', supportId, { update: { [emailId]: { 'keywords/$flagged': true } } });
    assert.equal((flagged.notUpdated as Record<string, { type: string }>)[emailId]?.type, 'forbidden', JSON.stringify(flagged));
    const [, seen] = await call(bob, 'Email/set', supportId, { update: { [emailId]: { 'keywords/$seen': true } } });
    assert.deepEqual(seen.updated, { [emailId]: null }, JSON.stringify(seen));
    const [, destroy] = await call(bob, 'Email/set', supportId, { destroy: [emailId] });
    assert.equal((destroy.notDestroyed as Record<string, { type: string }>)[emailId]?.type, 'forbidden');
    const [, created] = await call(bob, 'Mailbox/set', supportId, { create: { m: { name: 'Escalated', parentId: inboxId } } });
    assert.equal((created.notCreated as Record<string, { type: string }>).m?.type, 'forbidden');
    const [, got] = await call(alice, 'Email/get', supportId, { ids: [emailId], properties: ['keywords'] });
    assert.deepEqual((got.list as Record<string, unknown>[])[0].keywords, { $seen: true }, 'alice sees the $seen bob set');
    const [, aliceFlag] = await call(alice, 'Email/set', supportId, { update: { [emailId]: { 'keywords/$flagged': true } } });
    assert.deepEqual(aliceFlag.updated, { [emailId]: null }, 'alice (w) may flag');
  });

  test('carol, who shares nothing, gets accountNotFound', async () => {
    for (const method of ['Mailbox/get', 'Email/query', 'Email/changes']) {
      const [name, response] = await call(carol, method, supportId, { ids: null, sinceState: '0' });
      assert.equal(name, 'error');
      assert.equal(response.type, 'accountNotFound', method);
    }
  });

  test("bob's EventSource pushes the shared account's changes when mail reaches support@", async () => {
    const url = bob.session.eventSourceUrl as string;
    const controller = new AbortController();
    const response = await fetch(url.replace('{types}', '*').replace('{closeafter}', 'no').replace('{ping}', '0'), { headers: { authorization: bob.authorization }, signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let buffered = '';
    const nextState = async (): Promise<Record<string, Record<string, string>>> => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (event.startsWith('event: state') && data) return (JSON.parse(data) as { changed: Record<string, Record<string, string>> }).changed;
          continue;
        }
        const { value, done } = await reader.read();
        assert.equal(done, false, 'the stream ended');
        buffered += Buffer.from(value!).toString('utf8');
      }
    };
    try {
      const first = await nextState();
      assert.deepEqual(Object.keys(first).sort(), [bob.accountId, supportId].sort(), "the first event gives every account's state");
      deliverSmtp(petrel, SUPPORT, simpleMessage({ subject: 'second ticket', to: SUPPORT }));
      const change = await nextState();
      assert.ok(change[supportId], JSON.stringify(change));
      assert.notEqual(change[supportId].Email, first[supportId].Email);
    } finally {
      controller.abort();
    }
  });

  test("a folder alice shares shows alone in bob's view of her account, and her other mail never leaks", async () => {
    for (const subject of ['private', 'project plan']) deliverSmtp(petrel, `alice@${DOMAIN}`, simpleMessage({ subject, to: `alice@${DOMAIN}` }));
    const [, made] = await call(alice, 'Mailbox/set', alice.accountId, { create: { p: { name: 'Projects', parentId: null } } });
    const projectsId = (made.created as Record<string, { id: string }>).p.id;
    const [, found] = await call(alice, 'Email/query', alice.accountId, { filter: { subject: 'project plan' } });
    const [, hidden] = await call(alice, 'Email/query', alice.accountId, { filter: { subject: 'private' } });
    const [planId, privateId] = [(found.ids as string[])[0], (hidden.ids as string[])[0]];
    await call(alice, 'Email/set', alice.accountId, { update: { [planId]: { mailboxIds: { [projectsId]: true } } } });
    petrelOk(['shared', 'folder-grant', `alice@${DOMAIN}`, 'Projects', `bob@${DOMAIN}`, 'lr', ...petrel.server.args]);

    const bobNow = await new JmapClient(petrel.base, bob.authorization).connect();
    const aliceId = accountNamed(bobNow, `alice@${DOMAIN}`);
    assert.equal(aliceId, alice.accountId);
    assert.equal((bobNow.session.accounts as Record<string, SessionAccount>)[aliceId].isReadOnly, true, 'lr changes nothing');
    const [, boxes] = await call(bobNow, 'Mailbox/get', aliceId, { ids: null, properties: ['name'] });
    assert.deepEqual((boxes.list as { name: string }[]).map((m) => m.name), ['Projects']);
    const [, query] = await call(bobNow, 'Email/query', aliceId, {});
    assert.deepEqual(query.ids, [planId]);
    const [, got] = await call(bobNow, 'Email/get', aliceId, { ids: [planId, privateId], properties: ['subject'] });
    assert.deepEqual(got.notFound, [privateId]);
    const since = String(got.state);
    await call(alice, 'Email/set', alice.accountId, { update: { [planId]: { 'keywords/$flagged': true }, [privateId]: { 'keywords/$flagged': true } } });
    const [, changes] = await call(bobNow, 'Email/changes', aliceId, { sinceState: since });
    assert.deepEqual(changes.updated, [planId]);
    assert.ok(!(changes.created as string[]).includes(privateId) && !(changes.updated as string[]).includes(privateId), 'the private email is not reported');
  });

  test("alice's IMAP change in Shared/support@.../INBOX shows in bob's Email/changes", async () => {
    const [, before] = await call(bob, 'Email/get', supportId, { ids: [], properties: ['id'] });
    const since = String(before.state);
    const imap = new ImapFlow({ host: '127.0.0.1', port: petrel.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: `alice@${DOMAIN}`, pass: PASSWORD }, logger: false });
    imap.on('error', () => {});
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock(`Shared/${SUPPORT}/INBOX`);
      try {
        assert.equal(await imap.messageFlagsAdd('1:*', ['\\Answered']), true);
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
    const [name, changes] = await call(bob, 'Email/changes', supportId, { sinceState: since });
    assert.equal(name, 'Email/changes', JSON.stringify(changes));
    assert.ok((changes.updated as string[]).includes(emailId), JSON.stringify(changes));
    assert.notEqual(changes.newState, since);
    const [, got] = await call(bob, 'Email/get', supportId, { ids: [emailId], properties: ['keywords'] });
    assert.equal(((got.list as Record<string, Record<string, boolean>>[])[0].keywords).$answered, true);
  });
});
