import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailError } from '../../src/mail/errors.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { createMailbox, findMailbox } from '../../src/mail/mailboxes.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function message(subject: string, extra = '', body = 'Hello there.\r\n'): Buffer {
  return Buffer.from(`From: Sender <sender@remote.test>\r\nTo: ivy@refuse.test\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n${extra}\r\n${body}`);
}

const failsWith = (code: string) => (err: unknown) => err instanceof MailError && err.code === code;

forEachDialect('delivery refusals', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let ivy: number;
  let jon: number;

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'refuse.test');
    ivy = (await addUser(store.db, { address: 'ivy@refuse.test', password: 'correct horse' })).id;
    jon = (await addUser(store.db, { address: 'jon@refuse.test', password: 'battery staple', quotaBytes: 100 })).id;
  });

  after(async () => {
    await SearchIndexer.of(store).stop();
    await store.close();
    await fixture().cleanup();
  });

  const usage = () => store.db.selectFrom('principals').select(['id', 'used_bytes']).where('id', 'in', [ivy, jon]).orderBy('id').execute();

  test('a target mailbox that is not the account\'s refuses the delivery alone, with nothing written, while the rest of its batch commits', async () => {
    const ivyInbox = await findMailbox(store.db, ivy, 'INBOX');
    const jonInbox = await findMailbox(store.db, jon, 'INBOX');
    const before = await usage();
    const good = await mail.prepare(message('fine'));
    const bad = await mail.prepare(message('to a stranger\'s mailbox'));
    const [ok, refused] = await Promise.allSettled([
      mail.deliver({ message: good, targets: [{ accountId: ivy, mailboxId: ivyInbox.id }] }),
      // Jon's INBOX id given as Ivy's: a stale or forged mailbox id.
      mail.deliver({ message: bad, targets: [{ accountId: ivy, mailboxId: ivyInbox.id }, { accountId: ivy, mailboxId: jonInbox.id }] }),
    ]);
    assert.equal(ok.status, 'fulfilled');
    assert.equal(refused.status, 'rejected');
    assert.ok(failsWith('not_found')(refused.status === 'rejected' ? refused.reason : null));
    const after = await usage();
    assert.equal(after[0].used_bytes, before[0].used_bytes + good.raw.byteLength);
    assert.equal(after[1].used_bytes, before[1].used_bytes);
    const subjects = (await mail.listEntries(ivy, 'INBOX')).map((e) => e.subject);
    assert.ok(subjects.includes('fine'));
    assert.ok(!subjects.includes('to a stranger\'s mailbox'));
    const blob = await store.db.selectFrom('blobs').select('refcount').where('hash', '=', bad.hash).executeTakeFirst();
    assert.ok(!blob || Number(blob.refcount) === 0);
  });

  test('a missing mailbox is reported before a full one, and the account charged first is refunded', async () => {
    const ivyInbox = await findMailbox(store.db, ivy, 'INBOX');
    const jonInbox = await findMailbox(store.db, jon, 'INBOX');
    const before = await usage();
    const prepared = await mail.prepare(message('too big for jon', '', `${'x'.repeat(500)}\r\n`));
    await assert.rejects(
      mail.deliver({ message: prepared, targets: [{ accountId: jon, mailboxId: jonInbox.id }, { accountId: ivy, mailboxId: jonInbox.id }] }),
      failsWith('not_found'),
    );
    await assert.rejects(mail.deliver({ message: prepared, targets: [{ accountId: ivy, mailboxId: ivyInbox.id }, { accountId: jon, mailboxId: jonInbox.id }] }), failsWith('over_quota'));
    assert.deepEqual(await usage(), before);
  });

  test('deliveries to several mailboxes of one account, and with many references, use one thread and take one UID each', async () => {
    const archive = await createMailbox(store.db, ivy, 'Kept');
    const inbox = await findMailbox(store.db, ivy, 'INBOX');
    const refs = Array.from({ length: 40 }, (_, i) => `<r${i}@remote.test>`).join(' ');
    const first = await mail.prepare(message('Long thread', `Message-ID: <r39@remote.test>\r\nReferences: ${refs}\r\n`));
    const delivered = await mail.deliver({ message: first, targets: [{ accountId: ivy, mailboxId: inbox.id }, { accountId: ivy, mailboxId: archive.id, keywords: ['$kept'] }] });
    assert.deepEqual(
      delivered.map((d) => d.mailboxId),
      [inbox.id, archive.id],
    );
    assert.equal(new Set(delivered.map((d) => d.messageId)).size, 1);
    const reply = await mail.append(ivy, 'INBOX', message('Re: Long thread', 'Message-ID: <late@remote.test>\r\nReferences: <r7@remote.test>\r\n'));
    const threads = await store.db.selectFrom('messages').select('thread_id').where('id', 'in', [delivered[0].messageId, reply.messageId]).execute();
    assert.equal(new Set(threads.map((t) => t.thread_id)).size, 1);
    const kept = await mail.listEntries(ivy, 'Kept');
    assert.deepEqual(
      kept.map((e) => e.messageId),
      [delivered[0].messageId],
    );
    const changed = await store.db.selectFrom('changes').select(['type', 'object_id']).where('account_id', '=', ivy).where('modseq', '=', delivered[0].modseq).orderBy('type').orderBy('object_id').execute();
    assert.deepEqual(
      changed.map((c) => c.type),
      ['Email', 'Mailbox', 'Mailbox', 'Thread'],
    );
  });
});
