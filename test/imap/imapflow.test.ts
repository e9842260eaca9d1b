// imapflow, the Node IMAP client many web mailers use, against Petrel: connect over implicit TLS
// and STARTTLS, list, fetch (bytes identical to what SMTP accepted), flag, move, append, search,
// and an IDLE that hears a message delivered through the MX.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { assertSameBytes, deliver, PASSWORD, simpleMessage, startImapPetrel, storedMessage, type ImapPetrel } from '../helpers/imap-server.ts';
import { assertStoredSuffix, listMail } from '../helpers/smtp-peers.ts';
import { waitFor } from '../helpers/wait.ts';

const DOMAIN = 'flow.test';

describe('IMAP with imapflow', () => {
  let petrel: ImapPetrel;
  const clients: ImapFlow[] = [];
  const sent = new Map<string, Buffer>();

  function client(user: string, mode: 'tls' | 'starttls' = 'tls'): ImapFlow {
    const flow = new ImapFlow({
      host: '127.0.0.1',
      port: mode === 'tls' ? petrel.imaps : petrel.imap,
      secure: mode === 'tls',
      doSTARTTLS: mode === 'starttls' ? true : undefined,
      tls: { rejectUnauthorized: false },
      auth: { user: `${user}@${DOMAIN}`, pass: PASSWORD },
      logger: false,
    });
    // A test failure must not also leave an unhandled 'error' event behind.
    flow.on('error', () => {});
    clients.push(flow);
    return flow;
  }

  before(async () => {
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['ivy', 'jon'] });
    for (let i = 1; i <= 5; i++) {
      const data = simpleMessage({
        subject: `flow message ${i}`,
        to: `ivy@${DOMAIN}`,
        from: i % 2 ? 'Odd Sender <odd@remote.test>' : 'Even Sender <even@remote.test>',
        body: `Body of message ${i}.\r\n${i === 3 ? 'needle in this one\r\n' : ''}`,
      });
      deliver(petrel, `ivy@${DOMAIN}`, data);
      sent.set(`flow message ${i}`, data);
    }
  });

  after(async () => {
    for (const flow of clients) if (flow.usable) await flow.logout().catch(() => flow.close());
    await petrel?.destroy();
  });

  test('connect over TLS and over STARTTLS; list shows the special-use mailboxes', async () => {
    for (const mode of ['tls', 'starttls'] as const) {
      const flow = client('ivy', mode);
      await flow.connect();
      assert.ok(flow.usable, `${mode}: connected and authenticated`);
      assert.ok(flow.capabilities.has('IDLE') && flow.capabilities.has('UIDPLUS') && flow.capabilities.has('MOVE'), `${mode}: capabilities ${[...flow.capabilities.keys()].join(' ')}`);
      const list = await flow.list();
      const byPath = new Map(list.map((m) => [m.path, m]));
      for (const [path, use] of [['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Junk', '\\Junk'], ['Archive', '\\Archive']]) {
        assert.equal(byPath.get(path)?.specialUse, use, `${mode}: ${path} is ${use}`);
        assert.equal(byPath.get(path)?.specialUseSource, 'extension', `${mode}: ${path}'s use comes from the server, not from guessing its name`);
      }
      assert.equal(byPath.get('INBOX')?.specialUse, '\\Inbox');
      const status = await flow.status('INBOX', { messages: true, unseen: true, uidNext: true });
      assert.equal(status && status.messages, 5);
      await flow.logout();
    }
  });

  test('fetch envelopes, flags and sources; the source is what SMTP accepted', async () => {
    const flow = client('ivy');
    await flow.connect();
    const lock = await flow.getMailboxLock('INBOX');
    try {
      const stored = new Map(listMail(petrel.server, `ivy@${DOMAIN}`).map((e) => [e.uid, e.subject]));
      let count = 0;
      for await (const message of flow.fetch('1:*', { uid: true, envelope: true, flags: true, size: true, source: true, bodyStructure: true, internalDate: true })) {
        count++;
        const subject = message.envelope?.subject ?? '';
        assert.equal(stored.get(message.uid), subject, `UID ${message.uid} is "${subject}" in the store too`);
        assert.ok(message.source, 'source fetched');
        assertStoredSuffix(message.source, sent.get(subject)!, `imapflow source of "${subject}"`);
        assertSameBytes(message.source, storedMessage(petrel, `ivy@${DOMAIN}`, message.uid), `imapflow source of "${subject}" vs mail show`);
        assert.equal(message.size, message.source.length);
        assert.equal(message.flags?.size, 0);
        assert.match(message.envelope?.from?.[0]?.address ?? '', /@remote\.test$/);
        assert.ok(message.internalDate instanceof Date);
      }
      assert.equal(count, 5);
      const one = await flow.fetchOne('*', { uid: true, headers: ['subject'], bodyParts: ['1'] });
      assert.ok(one, 'fetchOne *');
      assert.match(one.headers?.toString() ?? '', /^Subject: flow message 5\r\n/);
      const download = await flow.download('*', undefined, { uid: false });
      const chunks: Buffer[] = [];
      assert.ok('content' in download && download.content, 'download found the message');
      for await (const chunk of download.content) chunks.push(chunk as Buffer);
      assertStoredSuffix(Buffer.concat(chunks), sent.get('flow message 5')!, 'imapflow download');
    } finally {
      lock.release();
    }
  });

  test('flag, search, move, copy, append, delete, and mailbox management', async () => {
    const flow = client('ivy');
    await flow.connect();
    const lock = await flow.getMailboxLock('INBOX');
    try {
      const uids = (await flow.search({ all: true }, { uid: true })) as number[];
      assert.equal(uids.length, 5);
      assert.ok(await flow.messageFlagsAdd(uids[0], ['\\Flagged', '$Important'], { uid: true }));
      assert.deepEqual((await flow.search({ flagged: true }, { uid: true })) as number[], [uids[0]]);
      assert.deepEqual((await flow.search({ keyword: '$Important' }, { uid: true })) as number[], [uids[0]]);
      assert.deepEqual((await flow.search({ from: 'even@remote.test' }, { uid: true })) as number[], [uids[1], uids[3]]);
      assert.deepEqual((await flow.search({ body: 'needle' }, { uid: true })) as number[], [uids[2]]);
      assert.deepEqual((await flow.search({ or: [{ subject: 'message 1' }, { subject: 'message 5' }] }, { uid: true })) as number[], [uids[0], uids[4]]);
      const copied = await flow.messageCopy(uids[1], 'Archive', { uid: true });
      assert.ok(copied && copied.uidMap?.get(uids[1]), `COPYUID reached imapflow: ${JSON.stringify(copied && [...(copied.uidMap ?? [])])}`);
      const moved = await flow.messageMove(uids[2], 'Trash', { uid: true });
      assert.ok(moved && moved.uidMap?.get(uids[2]), 'MOVE with COPYUID');
      assert.equal(flow.mailbox && flow.mailbox.exists, 4, 'the moved message left INBOX');
      assert.ok(await flow.messageDelete(uids[3], { uid: true }));
      assert.deepEqual((await flow.search({ all: true }, { uid: true })) as number[], [uids[0], uids[1], uids[4]]);
      assert.equal(listMail(petrel.server, `ivy@${DOMAIN}`, 'Trash').length, 1, 'Trash holds the moved message');
    } finally {
      lock.release();
    }
    const raw = simpleMessage({ subject: 'appended by imapflow', body: 'Grüße\r\n.dot\r\n' });
    const appended = await flow.append('Drafts', raw, ['\\Draft', '\\Seen'], new Date('2024-02-03T04:05:06Z'));
    assert.ok(appended && appended.uid, 'APPENDUID reached imapflow');
    const draftLock = await flow.getMailboxLock('Drafts');
    try {
      const fetched = await flow.fetchOne(String(appended.uid), { source: true, flags: true, internalDate: true }, { uid: true });
      assert.ok(fetched);
      assertSameBytes(fetched.source!, raw, 'appended message fetched back');
      assert.deepEqual([...(fetched.flags ?? [])].sort(), ['\\Draft', '\\Seen']);
      assert.equal((fetched.internalDate as Date).toISOString(), '2024-02-03T04:05:06.000Z');
    } finally {
      draftLock.release();
    }
    await flow.mailboxCreate(['Projects', 'Alpha']);
    const renamed = await flow.mailboxRename('Projects', 'Clients');
    assert.equal(renamed.newPath, 'Clients');
    const paths = (await flow.list()).map((m) => m.path);
    assert.ok(paths.includes('Clients/Alpha') && !paths.includes('Projects/Alpha'), `rename carried the child: ${paths.join(', ')}`);
    await flow.mailboxDelete('Clients/Alpha');
    assert.ok(!(await flow.list()).some((m) => m.path === 'Clients/Alpha'));
    const quota = await flow.getQuota('INBOX');
    assert.ok(quota !== undefined, 'GETQUOTAROOT answered');
  });

  test('IDLE hears a message delivered through the SMTP MX', async () => {
    const flow = client('jon');
    await flow.connect();
    const lock = await flow.getMailboxLock('INBOX');
    const events: { count: number; prevCount: number }[] = [];
    flow.on('exists', (data: { count: number; prevCount: number }) => events.push(data));
    const idling = flow.idle();
    try {
      // imapflow sends IDLE right away; the delivery happens while it waits.
      await waitFor('imapflow to be idling', () => (flow as unknown as { idling: boolean }).idling, { timeoutMs: 10_000, intervalMs: 20 });
      deliver(petrel, `jon@${DOMAIN}`, simpleMessage({ subject: 'pushed to jon', to: `jon@${DOMAIN}` }));
      const event = await waitFor('the exists event from IDLE', () => events.find((e) => e.count === 1), { timeoutMs: 20_000, intervalMs: 50 });
      assert.equal(event.prevCount, 0);
    } finally {
      lock.release();
    }
    const fetched = await flow.fetchOne('1', { envelope: true });
    assert.equal(fetched && fetched.envelope?.subject, 'pushed to jon');
    await flow.logout();
    await idling.catch(() => undefined);
  });
});
