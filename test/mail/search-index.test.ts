// The substring index is written after the delivery commits, in batches (src/mail/search-indexer.ts,
// SQLite; PostgreSQL indexes inside the delivery). Search must answer the same at once, and a
// crash or an expunge before indexing must neither lose a message from the index nor bring one back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { SearchKey } from '../../src/mail/search-criteria.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function raw(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

const body = (value: string): SearchKey => ({ type: 'text', field: 'body', value });
const text = (value: string): SearchKey => ({ type: 'text', field: 'text', value });
const header = (field: string, value: string): SearchKey => ({ type: 'header', field, value });
const not = (key: SearchKey): SearchKey => ({ type: 'not', key });
const or = (a: SearchKey, b: SearchKey): SearchKey => ({ type: 'or', keys: [a, b] });

const MESSAGES: [string, Buffer][] = [
  ['plain', raw(['From: Ann <ann@index.test>', 'To: bob@index.test', 'Subject: quarterly reconciliation'], 'the spreadsheet is attached\r\n')],
  ['xhdr', raw(['From: carl@index.test', 'X-Project: nightingale', 'Subject: status'], 'all green this week\r\n')],
  ['accent', raw(['From: =?utf-8?q?=C3=89mile?= <emile@index.test>', 'Subject: =?utf-8?q?R=C3=A9sum=C3=A9?='], 'Caf\u00e9 \u00e0 Paris, spreadsheet v2\r\n')],
];

const QUERIES: SearchKey[] = [
  body('spreadsheet'),
  body('readshe'),
  text('nightingale'),
  text('reconcil'),
  header('subject', 'resume'),
  header('from', 'emile'),
  header('x-project', 'ghtin'),
  or(body('green'), header('to', 'bob')),
  not(text('spreadsheet')),
];

forEachDialect('deferred substring index', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let account: number;
  let boxId: number;

  const watermark = async (): Promise<number> => (store.fulltext.deferred ? store.fulltext.indexedThrough() : Infinity);

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'index.test');
    account = (await addUser(store.db, { address: 'ix@index.test', password: 'pw-index-1' })).id;
    boxId = (await mail.createMailbox(account, 'Box')).id;
  });

  after(async () => {
    await SearchIndexer.of(store).stop();
    await store.close();
    await fixture().cleanup();
  });

  test('SEARCH answers the same before the indexer has run and after', async () => {
    // Stopped, the indexer only remembers the texts, so the messages stay unindexed until catchUp.
    await SearchIndexer.of(store).stop();
    const uids: Record<string, number> = {};
    for (const [name, bytes] of MESSAGES) uids[name] = (await mail.append(account, 'Box', bytes)).uid;
    const names = (found: number[]) => found.map((u) => Object.keys(uids).find((n) => uids[n] === u));
    if (store.fulltext.deferred) assert.deepEqual(await store.fulltext.search(account, 'spreadsheet'), [], 'not indexed yet');

    const unindexed = await Promise.all(QUERIES.map(async (q) => names(await mail.search(account, boxId, q))));
    await SearchIndexer.of(store).catchUp();
    assert.equal((await store.fulltext.search(account, 'spreadsheet')).length, 2, 'indexed now');
    const indexed = await Promise.all(QUERIES.map(async (q) => names(await mail.search(account, boxId, q))));

    assert.deepEqual(indexed, unindexed);
    assert.deepEqual(unindexed, [['plain', 'accent'], ['plain', 'accent'], ['xhdr'], ['plain'], ['accent'], ['accent'], ['xhdr'], ['plain', 'xhdr'], ['xhdr']]);
  });

  test('a message expunged before it was indexed never enters the index', async () => {
    await SearchIndexer.of(store).stop();
    const gone = await mail.append(account, 'Box', raw(['From: dan@index.test', 'Subject: short-lived'], 'ephemeralword\r\n'));
    await mail.expunge(account, boxId, [gone.uid]);
    await SearchIndexer.of(store).catchUp();
    assert.deepEqual(await store.fulltext.search(account, 'ephemeralword'), []);
    assert.deepEqual(await mail.search(account, boxId, body('ephemeralword')), []);
  });

  test('a restart indexes what a crash left unindexed, from the stored messages', async () => {
    await SearchIndexer.of(store).stop();
    const late = await mail.append(account, 'Box', raw(['From: eve@index.test', 'Subject: after the crash'], 'phoenixword rises\r\n'));
    // The texts the indexer kept in memory die with the process; only the database survives.
    await store.close();
    store = await fixture().reopen();
    mail = new MailStore(store, new ChangeBus());
    if (store.fulltext.deferred) assert.ok((await watermark()) < late.messageId, 'left unindexed');
    assert.deepEqual(await mail.search(account, boxId, body('phoenixword')), [late.uid], 'found before indexing, by reading it');
    SearchIndexer.of(store).start(() => {});
    await SearchIndexer.of(store).catchUp();
    assert.deepEqual(await store.fulltext.search(account, 'phoenixword'), [late.messageId]);
    assert.deepEqual(await mail.search(account, boxId, body('phoenixword')), [late.uid]);
  });

  test('deliveries beyond one batch are all indexed, and the watermark ends at the last one', async () => {
    const box = (await mail.createMailbox(account, 'Many')).id;
    const ids: number[] = [];
    for (let i = 0; i < 450; i++) ids.push((await mail.append(account, 'Many', raw([`From: n${i}@index.test`, `Subject: bulk ${i}`], `bulkword number${i}x\r\n`))).messageId);
    await SearchIndexer.of(store).catchUp();
    assert.equal((await store.fulltext.search(account, 'bulkword')).length, 450);
    assert.deepEqual(await store.fulltext.search(account, 'number449x'), [ids[449]]);
    assert.equal((await mail.search(account, box, body('bulkword'))).length, 450);
    if (store.fulltext.deferred) assert.equal(await watermark(), Math.max(...ids));
  });
});
