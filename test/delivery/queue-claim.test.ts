import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { defaultConfig, type PetrelConfig } from '../../src/config/config.ts';
import { createResolver } from '../../src/delivery/dns-resolver.ts';
import { InboundDelivery } from '../../src/delivery/inbound.ts';
import { enqueue } from '../../src/delivery/outbound-queue.ts';
import { OutboundWorker } from '../../src/delivery/outbound-worker.ts';
import { MessageRouter } from '../../src/delivery/router.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { sha256Hex } from '../../src/store/blob-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type TestServer } from './smtp-test-server.ts';

/** One node's worth of outbound machinery over a shared store, as src/server/server.ts assembles it. */
function node(store: Store, config: PetrelConfig): OutboundWorker {
  const mail = new MailStore(store, new ChangeBus());
  const resolver = createResolver({ overrides: config.dns.overrides, system: false });
  const inbound = new InboundDelivery(store.db, mail, { hostname: config.hostname, verify: false, resolver });
  const router = new MessageRouter(store.db, mail, inbound, { expireAfterMs: config.outbound.expireAfterMs, onQueued: () => {} });
  return new OutboundWorker({ db: store.db, dialect: store.dialect, blobs: store.blobs, resolver, config, router: () => router, log: () => {} });
}

forEachDialect('outbound queue shared by several workers', (fixture) => {
  let stores: Store[];
  let sink: TestServer;
  let config: PetrelConfig;

  before(async () => {
    sink = await startTestServer();
    config = defaultConfig();
    config.hostname = 'mx.petrel.test';
    config.outbound.mxPort = sink.port;
    config.dns = { system: false, overrides: { 'far.test': { MX: ['10 mx.far.test'] }, 'mx.far.test': { A: ['127.0.0.1'] } } };
    // PostgreSQL: two connections to one database, as two nodes of a scale-out deployment have.
    // SQLite serves one process, so there the two workers share its one connection.
    const first = await fixture().open();
    stores = fixture().name === 'postgres' ? [first, await fixture().reopen()] : [first, first];
  });

  after(async () => {
    for (const store of new Set(stores)) await store.close();
    await sink.close();
    await fixture().cleanup();
  });

  test('every recipient is sent exactly once when two workers claim the queue at the same time', async () => {
    const count = 40;
    for (let i = 0; i < count; i++) {
      const raw = Buffer.from(`From: a@petrel.test\r\nTo: r${i}@far.test\r\nSubject: claim ${i}\r\n\r\nbody ${i}\r\n`);
      await stores[0].blobs.persist(sha256Hex(raw), raw);
      await stores[0].db.transaction().execute((trx) =>
        enqueue(trx, stores[0].blobs, { sender: 'a@petrel.test', recipients: [{ address: `r${i}@far.test` }], hash: sha256Hex(raw), raw, expireAfterMs: 3600_000 }),
      );
    }
    const workers = stores.map((store) => node(store, config));
    const attempted = await Promise.all(workers.map((w) => w.runOnce()));
    assert.equal(attempted[0] + attempted[1], count, `both workers together attempted each recipient once (${attempted.join(' + ')})`);
    const delivered = sink.received.flatMap((m) => m.rcptTo.map((r) => r.address)).sort();
    assert.deepEqual(delivered, Array.from({ length: count }, (_, i) => `r${i}@far.test`).sort());
    const left = await stores[0].db.selectFrom('queue_messages').select('id').execute();
    assert.equal(left.length, 0, 'finished messages leave the queue');
    assert.deepEqual(await Promise.all(workers.map((w) => w.runOnce())), [0, 0]);
  });
});
