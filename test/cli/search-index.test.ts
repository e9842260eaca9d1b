// `petrel search-index status|rebuild`: how far SQLite's substring index (search.sqlite) is behind
// the stored messages, and building it again, also while a server indexes the same files.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';

import { findUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { SearchIndexStatus } from '../../src/mail/search-index-status.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import { openStore } from '../../src/store/database.ts';
import { prepareDataDir, type PreparedData } from '../helpers/petrel-cli.ts';
import { petrel, petrelOk, startPetrel } from '../helpers/petrel-process.ts';
import { createTestDatabase, POSTGRES_SKIP_MESSAGE, type TestDatabase } from '../helpers/postgres.ts';

const ADDRESS = 'ann@search-index.test';
const PASSWORD = 'search index password';

const message = (subject: string, body: string): Buffer => Buffer.from(`From: bob@elsewhere.test\r\nTo: ${ADDRESS}\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);

function status(args: string[]): SearchIndexStatus {
  return JSON.parse(petrelOk(['search-index', 'status', '--json', ...args])) as SearchIndexStatus;
}

/**
 * Stores messages through the mail core as a delivery would, with the indexer stopped so nothing
 * gets indexed: what a server that crashed before its indexing thread ran leaves behind.
 */
async function storeUnindexed(dataDir: string, database: string, bodies: string[], expunge: string[] = []): Promise<Map<string, number>> {
  const store = await openStore({ dataDir, database });
  try {
    await SearchIndexer.of(store).stop();
    const mail = new MailStore(store, new ChangeBus());
    const account = (await findUser(store.db, ADDRESS)).id;
    const ids = new Map<string, number>();
    const uids = new Map<string, number>();
    for (const body of bodies) {
      const stored = await mail.append(account, 'INBOX', message(`about ${body}`, body));
      ids.set(body, stored.messageId);
      uids.set(body, stored.uid);
    }
    const inbox = await store.db.selectFrom('mailboxes').select('id').where('account_id', '=', account).where('name', '=', 'INBOX').executeTakeFirstOrThrow();
    if (expunge.length > 0) await mail.expunge(account, Number(inbox.id), expunge.map((b) => uids.get(b)!));
    return ids;
  } finally {
    await store.close();
  }
}

describe('petrel search-index [sqlite]', () => {
  let data: PreparedData;
  let indexFile: string;
  let ids: Map<string, number>;

  /** Rows of search.sqlite matching the needle, read from outside as another process would. */
  function indexRows(needle: string): number[] {
    const db = new SQLite(indexFile, { readonly: true });
    try {
      return db.prepare('select rowid from message_search where message_search match ?').pluck().all(`"${needle}"`).map(Number);
    } finally {
      db.close();
    }
  }

  before(async () => {
    data = prepareDataDir('search-index.test', [{ address: ADDRESS, password: PASSWORD }]);
    indexFile = join(data.dataDir, 'search.sqlite');
    ids = await storeUnindexed(data.dataDir, 'sqlite', ['marmaladeword', 'quinceword', 'apricotword'], ['apricotword']);
  });
  after(() => rmSync(data.dataDir, { recursive: true, force: true }));

  test('status --json counts what is stored, not indexed yet and queued for removal', () => {
    const before = status(data.args);
    assert.deepEqual(Object.keys(before).sort(), ['deferred', 'dialect', 'indexFileBytes', 'indexedThrough', 'messages', 'notIndexed', 'removalsQueued']);
    assert.deepEqual({ ...before, indexFileBytes: 0 }, { dialect: 'sqlite', deferred: true, messages: 2, indexedThrough: 0, notIndexed: 2, removalsQueued: 1, indexFileBytes: 0 });
    assert.ok(before.indexFileBytes! > 0, 'the index file exists with its empty tables');
    const text = petrelOk(['search-index', 'status', ...data.args]);
    assert.match(text, /^dialect\s+sqlite$/m);
    assert.match(text, /^messages stored\s+2$/m);
    assert.match(text, /^indexed through\s+message id 0$/m);
    assert.match(text, /^not indexed yet\s+2$/m);
    assert.match(text, /^removals queued\s+1$/m);
    assert.match(text, /^index file\s+\d+ bytes/m);
  });

  test('rebuild empties the index, indexes every stored message and applies the removals', async () => {
    // A row no stored message accounts for, as a file from an older build could hold: only emptying removes it.
    const db = new SQLite(indexFile);
    db.prepare('insert into message_search (rowid, body) values (?, ?)').run(999_999, 'ghostword');
    db.close();
    assert.deepEqual(indexRows('ghostword'), [999_999]);

    const result = petrel(['search-index', 'rebuild', ...data.args]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^search index rebuilt: 2 messages in [\d.]+ s/);
    // Not a terminal: plain progress lines on stderr, the last one complete.
    assert.match(result.stderr, /^2\/2 messages$/m);

    assert.deepEqual(indexRows('ghostword'), [], 'emptied');
    assert.deepEqual(indexRows('malade'), [ids.get('marmaladeword')]);
    assert.deepEqual(indexRows('quincew'), [ids.get('quinceword')]);
    assert.deepEqual(indexRows('apricot'), [], 'an expunged message is not indexed again');
    const rebuilt = status(data.args);
    assert.deepEqual(
      { ...rebuilt, indexFileBytes: 0 },
      { dialect: 'sqlite', deferred: true, messages: 2, indexedThrough: ids.get('quinceword'), notIndexed: 0, removalsQueued: 0, indexFileBytes: 0 },
    );

    const store = await openStore({ dataDir: data.dataDir, database: 'sqlite' });
    try {
      const account = (await findUser(store.db, ADDRESS)).id;
      assert.deepEqual(await store.fulltext.search(account, 'MARMALADE'), [ids.get('marmaladeword')], 'answered by the index itself');
    } finally {
      await store.close();
    }
  });

  test('rebuild while petrel serve indexes the same files indexes each message once', async () => {
    const more = await storeUnindexed(
      data.dataDir,
      'sqlite',
      Array.from({ length: 30 }, (_, i) => `plumword${i}x`),
    );
    const server = await startPetrel({ dataDir: data.dataDir });
    try {
      // The server's indexing thread starts catching up at start; the rebuild empties under it.
      const result = petrel(['search-index', 'rebuild', ...data.args]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(status(data.args).notIndexed, 0);
      for (const [body, id] of more) assert.deepEqual(indexRows(body.slice(2)), [id], body);
      assert.deepEqual(indexRows('malade'), [ids.get('marmaladeword')]);
    } finally {
      await server.stop();
    }
  });
});

describe('petrel search-index [postgres]', async () => {
  const database: TestDatabase | null = await createTestDatabase();
  if (!database) {
    process.stderr.write(`\n*** ${POSTGRES_SKIP_MESSAGE} ***\n`);
    test('petrel search-index on PostgreSQL', { skip: POSTGRES_SKIP_MESSAGE }, () => {});
    return;
  }
  let data: PreparedData;
  before(async () => {
    data = prepareDataDir('search-index.test', [{ address: ADDRESS, password: PASSWORD }], database.url);
    await storeUnindexed(data.dataDir, database.url, ['marmaladeword']);
  });
  after(async () => {
    await database.drop();
    rmSync(data.dataDir, { recursive: true, force: true });
  });

  test('status says each delivery indexes its message: nothing pending', () => {
    assert.deepEqual(status(data.args), { dialect: 'postgres', deferred: false, messages: 1, indexedThrough: null, notIndexed: 0, removalsQueued: 0, indexFileBytes: null });
    assert.match(petrelOk(['search-index', 'status', ...data.args]), /^index\s+maintained inside each delivery \(PostgreSQL\): nothing is ever pending$/m);
  });

  test('rebuild has nothing to do and says so', () => {
    const result = petrel(['search-index', 'rebuild', ...data.args]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /nothing to rebuild/);
  });
});
