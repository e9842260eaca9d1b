// The outbound machinery of one node, wired in-process as src/server/server.ts wires it but with
// no listeners and no poll timer, so a test decides when the worker runs and what it sees.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defaultConfig, type PetrelConfig } from '../../src/config/config.ts';
import { createResolver, type DnsOverrides } from '../../src/delivery/dns-resolver.ts';
import { InboundDelivery } from '../../src/delivery/inbound.ts';
import { OutboundWorker } from '../../src/delivery/outbound-worker.ts';
import { MessageRouter } from '../../src/delivery/router.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore, type EntrySummary } from '../../src/mail/mail-store.ts';
import { openStore, type Store } from '../../src/store/database.ts';

export interface OutboundNode {
  store: Store;
  mail: MailStore;
  /** Shared by reference with the worker: a test may change settings between passes. */
  config: PetrelConfig;
  router: MessageRouter;
  /** The one local user, `sender` below. */
  senderId: number;
  /** A worker over this node; `router` replaces the real one, e.g. to stall while a notice is written. */
  worker(router?: MessageRouter): OutboundWorker;
  inbox(): Promise<EntrySummary[]>;
  readRaw(entry: EntrySummary): Promise<Buffer>;
  close(): Promise<void>;
}

export async function outboundNode(options: { sender: string; mxPort: number; overrides: DnsOverrides }): Promise<OutboundNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-outbound-'));
  const store = await openStore({ dataDir, database: 'sqlite' });
  await ensureDefaultTenant(store.db);
  await addDomain(store.db, options.sender.slice(options.sender.indexOf('@') + 1));
  const sender = await addUser(store.db, { address: options.sender, password: 'outbound node password' });
  const config = defaultConfig();
  config.hostname = 'mx.a.test';
  config.outbound.mxPort = options.mxPort;
  const mail = new MailStore(store, new ChangeBus());
  const resolver = createResolver({ overrides: options.overrides, system: false });
  const inbound = new InboundDelivery(store.db, mail, { hostname: config.hostname, verify: false, resolver });
  const router = new MessageRouter(store.db, mail, inbound, { expireAfterMs: config.outbound.expireAfterMs, onQueued: () => {} });
  return {
    store,
    mail,
    config,
    router,
    senderId: sender.id,
    worker: (replacement) =>
      new OutboundWorker({ db: store.db, dialect: store.dialect, blobs: store.blobs, resolver, config, router: () => replacement ?? router, log: () => {} }),
    inbox: () => mail.listEntries(sender.id, 'INBOX'),
    readRaw: (entry) => mail.readRaw(sender.id, entry.messageId),
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
