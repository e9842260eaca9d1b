import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function message(subject: string): Buffer {
  return Buffer.from(`From: a@remote.test\r\nTo: erin@cache.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
}

// Two MailStores over one database stand for two nodes: each has its own cache and never hears
// the other's writes, so only the HIGHESTMODSEQ check can keep the reader's answers current.
forEachDialect('flag cache', (fixture) => {
  let store: Store;
  let reader: MailStore;
  let writer: MailStore;
  let erin: number;
  let inbox: number;

  before(async () => {
    store = await fixture().open();
    reader = new MailStore(store, new ChangeBus());
    writer = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'cache.test');
    erin = (await addUser(store.db, { address: 'erin@cache.test', password: 'pw-erin-12345' })).id;
    inbox = (await reader.getMailbox(erin, 'INBOX')).id;
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('flags, new messages and expunges written elsewhere show at the next read', async () => {
    const { uids } = await writer.appendMany(erin, 'INBOX', [{ raw: message('one') }, { raw: message('two') }, { raw: message('three') }]);
    assert.deepEqual(await reader.listUids(erin, inbox), uids);
    assert.deepEqual((await reader.flagStates(erin, inbox, uids)).map((s) => s.flags), [[], [], []]);

    await writer.storeFlags(erin, inbox, [uids[1]], 'add', ['\\Seen', '$Work']);
    const [, second] = await reader.flagStates(erin, inbox, uids);
    assert.deepEqual(second.flags, ['\\Seen', '$Work']);

    await writer.storeFlags(erin, inbox, [uids[0]], 'add', ['\\Deleted']);
    await writer.expunge(erin, inbox, [uids[0]], { onlyDeleted: true });
    const { uids: more } = await writer.appendMany(erin, 'INBOX', [{ raw: message('four') }]);
    assert.deepEqual(await reader.listUids(erin, inbox), [uids[1], uids[2], more[0]]);
    assert.deepEqual((await reader.flagStates(erin, inbox, [uids[0], more[0]])).map((s) => s.uid), [more[0]], 'an expunged UID is gone');
  });

  test('the list a caller gets is its own copy', async () => {
    const first = await reader.listUids(erin, inbox);
    first.splice(0, first.length);
    assert.ok((await reader.listUids(erin, inbox)).length > 0);
  });

  test('another account cannot read a mailbox through the cache', async () => {
    const frank = (await addUser(store.db, { address: 'frank@cache.test', password: 'pw-frank-12345' })).id;
    await assert.rejects(reader.listUids(frank, inbox));
  });
});
