// SQLite's substring index lives in search.sqlite, written by a thread of its own
// (src/mail/search-index-thread.ts). Its write lock must never hold up a delivery, expunges reach
// it through a queue, and the file is derived data: without it, the index is built again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { SearchKey } from '../../src/mail/search-criteria.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import { openStore, type Store } from '../../src/store/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'petrel-search-file-'));
const indexFile = join(dir, 'search.sqlite');
let store: Store;
let mail: MailStore;
let account: number;
let boxId: number;

const message = (subject: string, body: string): Buffer => Buffer.from(`From: ann@file.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
const body = (value: string): SearchKey => ({ type: 'text', field: 'body', value });

/** What the index file itself holds for a needle, read from outside as another process would. */
function indexRows(needle: string): number[] {
  const db = new SQLite(indexFile, { readonly: true });
  try {
    return db
      .prepare(`select rowid from message_search where message_search match ?`)
      .pluck()
      .all(`"${needle}"`)
      .map(Number);
  } finally {
    db.close();
  }
}

async function open(): Promise<void> {
  store = await openStore({ dataDir: dir, database: 'sqlite' });
  mail = new MailStore(store, new ChangeBus());
}

before(async () => {
  await open();
  await addDomain(store.db, 'file.test');
  account = (await addUser(store.db, { address: 'ix@file.test', password: 'pw-index-file-1' })).id;
  boxId = (await mail.createMailbox(account, 'Box')).id;
});

after(async () => {
  await SearchIndexer.of(store).stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the index is written into its own file, not petrel.sqlite', async () => {
  const stored = await mail.append(account, 'Box', message('first', 'marmaladeword'));
  await SearchIndexer.of(store).catchUp();
  assert.deepEqual(indexRows('malade'), [stored.messageId]);
  const main = new SQLite(join(dir, 'petrel.sqlite'), { readonly: true });
  try {
    assert.equal(main.prepare(`select count(*) from sqlite_master where name = 'message_search'`).pluck().get(), 0);
  } finally {
    main.close();
  }
});

test('a delivery commits while the index file is locked by its writer, and search still finds it', async () => {
  // Another writer holding search.sqlite's lock, as the indexing thread does while it commits a batch.
  const writer = new SQLite(indexFile);
  writer.exec('begin immediate');
  let stored;
  try {
    // Were the index file part of the delivery's transaction, this would wait out the busy timeout and fail.
    stored = await mail.append(account, 'Box', message('second', 'quinceword'));
    assert.deepEqual(await mail.search(account, boxId, body('quincewo')), [stored.uid], 'found by reading the unindexed message');
  } finally {
    writer.exec('rollback');
    writer.close();
  }
  await SearchIndexer.of(store).catchUp();
  assert.deepEqual(indexRows('quincewo'), [stored.messageId]);
  assert.deepEqual(await mail.search(account, boxId, body('quincewo')), [stored.uid]);
});

test('an expunge reaches the index file through the removal queue', async () => {
  const stored = await mail.append(account, 'Box', message('third', 'apricotword'));
  await SearchIndexer.of(store).catchUp();
  assert.deepEqual(indexRows('apricotw'), [stored.messageId]);
  await mail.expunge(account, boxId, [stored.uid]);
  assert.deepEqual(await mail.search(account, boxId, body('apricotw')), [], 'gone from search at once');
  await SearchIndexer.of(store).catchUp();
  assert.deepEqual(indexRows('apricotw'), [], 'and from the index once the queue is applied');
  const main = new SQLite(join(dir, 'petrel.sqlite'), { readonly: true });
  try {
    const queued = main.prepare('select count(*) from search_removals').pluck().get() as number;
    await mail.append(account, 'Box', message('fourth', 'plumword')).then((e) => mail.expunge(account, boxId, [e.uid]));
    // The next expunge prunes what the index has applied.
    assert.equal(main.prepare('select count(*) from search_removals').pluck().get(), 1, `was ${queued}, applied ones pruned`);
  } finally {
    main.close();
  }
});

test('closing the store first indexes what its thread holds, then ends the thread', async () => {
  const stored = await mail.append(account, 'Box', message('fifth', 'gooseberryword'));
  await store.close();
  assert.deepEqual(indexRows('oseberry'), [stored.messageId], 'indexed by the close, no catch-up asked');
  await open();
});

test('without the index file, a restart builds it again from the stored messages', async () => {
  await SearchIndexer.of(store).stop();
  await store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(indexFile + suffix, { force: true });
  await open();
  assert.equal(await (store.fulltext.deferred ? store.fulltext.indexedThrough() : -1), 0, 'a new file starts at the bottom');
  assert.deepEqual(await mail.search(account, boxId, body('malade')), [1], 'read while not indexed');
  SearchIndexer.of(store).start(() => {});
  await SearchIndexer.of(store).catchUp();
  assert.equal(indexRows('malade').length, 1);
  assert.equal(indexRows('quincewo').length, 1);
  assert.deepEqual(await mail.search(account, boxId, body('malade')), [1]);
});
