import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { sha256Hex, sweepBlobs } from '../../src/store/blob-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

/** Over the 128 KiB inline limit, so on SQLite its bytes are a file under the data dir. */
function bigMessage(tag: string): Buffer {
  return Buffer.from(`From: a@remote.test\r\nSubject: ${tag}\r\n\r\n${`${tag} `.repeat(40_000)}\r\n`);
}

forEachDialect('blob sweep', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let gina: number;
  let inbox: number;

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'sweep.test');
    gina = (await addUser(store.db, { address: 'gina@sweep.test', password: 'pw-gina-12345' })).id;
    inbox = (await mail.getMailbox(gina, 'INBOX')).id;
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('a blob no message uses any more goes, rows and bytes; one still used stays', async () => {
    const gone = bigMessage('gone');
    const kept = bigMessage('kept');
    const { uids } = await mail.appendMany(gina, 'INBOX', [{ raw: gone }, { raw: kept }]);
    await mail.expunge(gina, inbox, [uids[0]]);
    assert.equal(await sweepBlobs(store.db, store.blobs), 1);
    await assert.rejects(store.blobs.read(sha256Hex(gone)));
    assert.deepEqual(await store.blobs.read(sha256Hex(kept)), kept);
    assert.equal(await sweepBlobs(store.db, store.blobs), 0);
  });

  test('a delivery whose bytes were swept between its persist and its commit still stores them', async () => {
    const raw = bigMessage('again');
    const { uids } = await mail.appendMany(gina, 'INBOX', [{ raw }]);
    await mail.expunge(gina, inbox, uids);
    // The next delivery of the same content persists first (the file is already there, so it
    // writes nothing), then a sweep removes the unreferenced blob, then the delivery commits.
    const prepared = await mail.prepare(raw);
    assert.equal(await sweepBlobs(store.db, store.blobs), 1);
    const [entry] = await mail.deliver({ message: prepared, targets: [{ accountId: gina, mailboxId: inbox }] });
    assert.deepEqual(await mail.readRaw(gina, entry.messageId), raw);
  });
});
