import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addAlias } from '../../src/directory/aliases.ts';
import { authenticate } from '../../src/directory/authenticate.ts';
import { addDomain, setCatchAll } from '../../src/directory/domains.ts';
import { resolveRecipient } from '../../src/directory/recipients.ts';
import { addUser, removeUser } from '../../src/directory/users.ts';
import { ChangeBus, type AccountChange } from '../../src/events/change-bus.ts';
import { MailError } from '../../src/mail/errors.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { findMailbox, listMailboxes } from '../../src/mail/mailboxes.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function message(subject: string, extra = '', body = 'Hello there, this is the body.\r\n'): Buffer {
  return Buffer.from(`From: Sender <sender@remote.test>\r\nTo: alice@core.test\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n${extra}\r\n${body}`);
}

forEachDialect('store and mail core', (fixture) => {
  let store: Store;
  let mail: MailStore;
  const changes: AccountChange[] = [];
  let alice: number;
  let bob: number;

  before(async () => {
    store = await fixture().open();
    const bus = new ChangeBus();
    mail = new MailStore(store, bus);
    await addDomain(store.db, 'core.test');
    alice = (await addUser(store.db, { address: 'alice@core.test', password: 'correct horse', displayName: 'Alice' })).id;
    bob = (await addUser(store.db, { address: 'bob@core.test', password: 'battery staple', quotaBytes: 2000 })).id;
    bus.subscribe(alice, (c) => changes.push(c));
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('a new account has the standard mailboxes with their special-use attributes', async () => {
    const boxes = await listMailboxes(store.db, alice);
    const byName = Object.fromEntries(boxes.map((b) => [b.name, b.special_use]));
    assert.deepEqual(byName, { Archive: '\\Archive', Drafts: '\\Drafts', INBOX: null, Junk: '\\Junk', Sent: '\\Sent', Trash: '\\Trash' });
  });

  test('migrations are idempotent: reopening the same database works and keeps the data', async () => {
    const again = await fixture().reopen();
    try {
      const row = await again.db.selectFrom('principals').select('login').where('id', '=', alice).executeTakeFirstOrThrow();
      assert.equal(row.login, 'alice@core.test');
    } finally {
      await again.close();
    }
  });

  test('passwords are Argon2id hashes and authenticate by any address', async () => {
    const row = await store.db.selectFrom('principals').select('password_hash').where('id', '=', alice).executeTakeFirstOrThrow();
    assert.match(row.password_hash ?? '', /^\$argon2id\$/);
    assert.equal((await authenticate(store.db, 'ALICE@core.test', 'correct horse'))?.id, alice);
    assert.equal(await authenticate(store.db, 'alice@core.test', 'wrong'), null);
    assert.equal(await authenticate(store.db, 'nobody@core.test', 'correct horse'), null);
  });

  test('recipients resolve through addresses, aliases, +detail and the catch-all', async () => {
    await addAlias(store.db, 'sales@core.test', 'alice@core.test');
    const principalOf = async (address: string) => {
      const resolution = await resolveRecipient(store.db, address);
      return resolution ? resolution.principalId : resolution;
    };
    assert.equal(await principalOf('sales@core.test'), alice);
    assert.equal(await principalOf('Alice+news@CORE.test'), alice);
    assert.equal(await resolveRecipient(store.db, 'nobody@core.test'), false);
    assert.equal(await resolveRecipient(store.db, 'someone@elsewhere.test'), null);
    await setCatchAll(store.db, 'core.test', bob);
    assert.equal(await principalOf('nobody@core.test'), bob);
    await setCatchAll(store.db, 'core.test', null);
  });

  test('delivery assigns increasing UIDs and modseqs, records changes and notifies', async () => {
    const inbox = await findMailbox(store.db, alice, 'INBOX');
    const first = await mail.append(alice, 'INBOX', message('first'));
    const second = await mail.append(alice, 'INBOX', message('second'), { flags: ['\\Seen', 'Work'] });
    assert.equal(first.mailboxId, inbox.id);
    assert.equal(second.uid, first.uid + 1);
    assert.ok(second.modseq > first.modseq);
    const entries = await mail.listEntries(alice, 'INBOX');
    assert.deepEqual(entries.map((e) => e.subject), ['first', 'second']);
    assert.deepEqual(entries[1].flags, ['\\Seen', 'Work']);
    const box = await findMailbox(store.db, alice, 'INBOX');
    assert.equal(box.uidnext, second.uid + 1);
    assert.equal(box.highest_modseq, second.modseq);
    const logged = await store.db.selectFrom('changes').selectAll().where('account_id', '=', alice).where('modseq', '=', second.modseq).execute();
    assert.ok(logged.some((c) => c.type === 'Email' && c.object_id === second.messageId && c.op === 1));
    assert.ok(changes.some((c) => c.modseq === second.modseq && c.mailboxIds.includes(inbox.id)));
  });

  test('the stored bytes are exactly the delivered bytes, deduplicated across accounts', async () => {
    const raw = message('shared', '', 'Same bytes for two accounts.\r\n');
    const prepared = await mail.prepare(raw);
    const aliceInbox = await findMailbox(store.db, alice, 'INBOX');
    const bobInbox = await findMailbox(store.db, bob, 'INBOX');
    const delivered = await mail.deliver({ message: prepared, targets: [{ accountId: alice, mailboxId: aliceInbox.id }, { accountId: bob, mailboxId: bobInbox.id }] });
    assert.equal(delivered.length, 2);
    assert.deepEqual(await mail.readRaw(alice, delivered[0].messageId), raw);
    assert.deepEqual(await mail.readRaw(bob, delivered[1].messageId), raw);
    const blob = await store.db.selectFrom('blobs').select('refcount').where('hash', '=', prepared.hash).executeTakeFirstOrThrow();
    assert.equal(blob.refcount, 2);
  });

  test('many concurrent deliveries commit together with unique, gap-free UIDs', async () => {
    const before = await findMailbox(store.db, alice, 'INBOX');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => mail.append(alice, 'INBOX', message(`burst ${i}`))));
    const uids = results.map((r) => r.uid).sort((a, b) => a - b);
    assert.deepEqual(uids, Array.from({ length: 60 }, (_, i) => before.uidnext + i));
    assert.equal(new Set(results.map((r) => r.modseq)).size, 60);
  });

  test('over quota: refused with nothing written, for every target of the delivery', async () => {
    const aliceInbox = await findMailbox(store.db, alice, 'INBOX');
    const bobInbox = await findMailbox(store.db, bob, 'INBOX');
    const aliceBefore = (await mail.listEntries(alice, 'INBOX')).length;
    const usedBefore = await store.db.selectFrom('principals').select(['id', 'used_bytes']).where('id', 'in', [alice, bob]).orderBy('id').execute();
    const big = message('too big for bob', '', `${'x'.repeat(3000)}\r\n`);
    const prepared = await mail.prepare(big);
    await assert.rejects(
      mail.deliver({ message: prepared, targets: [{ accountId: alice, mailboxId: aliceInbox.id }, { accountId: bob, mailboxId: bobInbox.id }] }),
      (err: unknown) => err instanceof MailError && err.code === 'over_quota',
    );
    assert.equal((await mail.listEntries(alice, 'INBOX')).length, aliceBefore);
    const usedAfter = await store.db.selectFrom('principals').select(['id', 'used_bytes']).where('id', 'in', [alice, bob]).orderBy('id').execute();
    assert.deepEqual(usedAfter, usedBefore);
  });

  test('full-text search finds words of the body, subject and addresses', async () => {
    const { messageId } = await mail.append(alice, 'INBOX', message('Quarterly invoice', '', 'Please find the reconciliation spreadsheet attached.\r\n'));
    // The index is written after the delivery commits on SQLite (search-indexer.ts).
    await SearchIndexer.of(store).catchUp();
    assert.deepEqual(await store.fulltext.search(alice, 'reconciliation'), [messageId]);
    assert.deepEqual(await store.fulltext.search(alice, 'reconcil'), [messageId]);
    assert.ok((await store.fulltext.search(alice, 'quarterly', 'subject')).includes(messageId));
    assert.deepEqual(await store.fulltext.search(bob, 'reconciliation'), []);
  });

  test('replies join the thread of the message they reference', async () => {
    const root = await mail.append(alice, 'INBOX', message('Plans', 'Message-ID: <root@remote.test>\r\n'));
    const reply = await mail.append(alice, 'INBOX', message('Re: Plans', 'Message-ID: <reply@remote.test>\r\nIn-Reply-To: <root@remote.test>\r\nReferences: <root@remote.test>\r\n'));
    const other = await mail.append(alice, 'INBOX', message('Something else', 'Message-ID: <other@remote.test>\r\n'));
    const threadOf = async (id: number) => (await mail.getMessage(alice, id)).thread_id;
    assert.equal(await threadOf(reply.messageId), await threadOf(root.messageId));
    assert.notEqual(await threadOf(other.messageId), await threadOf(root.messageId));
  });

  test('flag changes and expunge bump modseq; expunge frees quota and leaves a tombstone', async () => {
    const bobInbox = await findMailbox(store.db, bob, 'INBOX');
    const entries = await mail.listEntries(bob, 'INBOX');
    const uid = entries[0].uid;
    const flagged = await mail.storeFlags(bob, bobInbox.id, [uid], 'add', ['\\Flagged', '$Important']);
    assert.ok(flagged.modseq > entries[0].modseq);
    assert.deepEqual((await mail.listEntries(bob, 'INBOX'))[0].flags, ['\\Flagged', '$Important']);
    await mail.storeFlags(bob, bobInbox.id, [uid], 'remove', ['$important']);
    assert.deepEqual((await mail.listEntries(bob, 'INBOX'))[0].flags, ['\\Flagged']);
    const removed = await mail.expunge(bob, bobInbox.id, [uid]);
    assert.deepEqual(removed, [uid]);
    const principal = await store.db.selectFrom('principals').select('used_bytes').where('id', '=', bob).executeTakeFirstOrThrow();
    assert.equal(principal.used_bytes, 0);
    const tomb = await store.db.selectFrom('expunged_entries').selectAll().where('mailbox_id', '=', bobInbox.id).execute();
    assert.deepEqual(tomb.map((t) => t.uid), [uid]);
  });

  test('removing a user removes their mail and releases shared blobs', async () => {
    await removeUser(store.db, 'bob@core.test');
    assert.equal(await resolveRecipient(store.db, 'bob@core.test'), false);
    const left = await store.db.selectFrom('messages').select('id').where('account_id', '=', bob).execute();
    assert.equal(left.length, 0);
  });
});
