import type { SMTPServer } from 'smtp-server';

import type { PetrelConfig } from '../config/config.ts';
import { createResolver } from '../delivery/dns-resolver.ts';
import { InboundDelivery } from '../delivery/inbound.ts';
import { InboundPool } from '../delivery/inbound-pool.ts';
import { OutboundWorker } from '../delivery/outbound-worker.ts';
import { MessageRouter } from '../delivery/router.ts';
import { SubmissionService } from '../delivery/submission.ts';
import { VacationResponder } from '../delivery/vacation-reply.ts';
import { ensureAdminAccount } from '../directory/admin-account.ts';
import { authenticate, type LoginContext } from '../directory/authenticate.ts';
import { useBreachedPasswordsFile } from '../directory/breached-passwords.ts';
import { ensureDefaultTenant } from '../directory/tenants.ts';
import { ChangeBus } from '../events/change-bus.ts';
import { MailStore } from '../mail/mail-store.ts';
import { SearchIndexer } from '../mail/search-indexer.ts';
import { createHttpListener } from '../http/listener.ts';
import { createImapListener } from '../imap/listener.ts';
import { LoginThrottle } from '../directory/login-throttle.ts';
import { mailStoreBackend } from '../pop3/session.ts';
import { Pop3Listener } from '../pop3/listener.ts';
import { close, listen } from '../smtp/listener.ts';
import { createLmtpListener } from '../smtp/lmtp-listener.ts';
import { createMxListener } from '../smtp/mx-listener.ts';
import { createSubmissionListener } from '../smtp/submission-listener.ts';
import { loadTlsMaterial } from '../smtp/tls-certificate.ts';
import { sweepBlobs } from '../store/blob-store.ts';
import { openStore, type Store } from '../store/database.ts';

export interface RunningServer {
  store: Store;
  mail: MailStore;
  outbound: OutboundWorker;
  /** What listens where, e.g. `smtp` → `127.0.0.1:2525`. */
  listeners: { name: string; address: string }[];
  /** Printed once on first start: the generated admin login. */
  firstAdmin: { login: string; password: string } | null;
  stop(): Promise<void>;
}

/** Starts every listener of one node over one store (DESIGN.md, "Process and configuration"). */
export async function startServer(config: PetrelConfig, log: (line: string) => void): Promise<RunningServer> {
  const store = await openStore({ dataDir: config.dataDir, database: config.database });
  useBreachedPasswordsFile(config.security.breachedPasswordsFile);
  const servers: { name: string; server: SMTPServer }[] = [];
  /** Mail access listeners (POP3, and IMAP beside it): bound after the SMTP ones, closed before the store. */
  const access: { name: string; port: number; listener: { listen(port: number, host: string): Promise<number>; close(): Promise<void> } }[] = [];
  let outbound: OutboundWorker | null = null;
  let inboundPool: InboundPool | null = null;
  try {
    await ensureDefaultTenant(store.db);
    const firstAdmin = await ensureAdminAccount(store.db);
    const changes = new ChangeBus();
    const mail = new MailStore(store, changes);
    const resolverOptions = { overrides: config.dns.overrides, system: config.dns.system };
    const resolver = createResolver(resolverOptions);
    inboundPool = new InboundPool({ resolverOptions, resolver, log });
    let vacation: VacationResponder | null = null;
    const inbound = new InboundDelivery(store.db, mail, { hostname: config.hostname, verify: config.smtp.verifyInbound, resolver, pool: inboundPool, afterDelivery: (message, recipients) => vacation?.delivered(message, recipients) });
    let router: MessageRouter | null = null;
    const worker = new OutboundWorker({ db: store.db, dialect: store.dialect, blobs: store.blobs, resolver, config, router: () => router!, log });
    outbound = worker;
    router = new MessageRouter(store.db, mail, inbound, { expireAfterMs: config.outbound.expireAfterMs, onQueued: () => worker.kick() });
    const submission = new SubmissionService(store.db, router, config.hostname);
    vacation = new VacationResponder(store.db, router, config.hostname, log);

    const tls = await loadTlsMaterial({ dataDir: config.dataDir, hostname: config.hostname, certFile: config.tls.certFile, keyFile: config.tls.keyFile });
    const base = { hostname: config.hostname, tls, maxMessageSize: config.smtp.maxMessageSize, log };
    const { ports } = config;
    if (ports.smtp) servers.push({ name: 'smtp', server: createMxListener({ ...base, maxRecipients: config.smtp.maxRecipients }, inbound) });
    const submissionDeps = { authenticate: (login: string, password: string, context?: LoginContext) => authenticate(store.db, login, password, context), submission, router };
    const submissionOptions = { ...base, allowInsecureAuth: config.smtp.allowInsecureAuth, maxRecipients: config.smtp.maxRecipients };
    if (ports.submission) servers.push({ name: 'submission', server: createSubmissionListener({ ...submissionOptions, implicitTls: false }, submissionDeps) });
    if (ports.submissions) servers.push({ name: 'submissions', server: createSubmissionListener({ ...submissionOptions, implicitTls: true }, submissionDeps) });
    if (ports.lmtp) servers.push({ name: 'lmtp', server: createLmtpListener(base, inbound) });
    // POP3 and IMAP take cleartext passwords under the same rule as submission, so they share its switch.
    const accessOptions = { tls, allowInsecureAuth: config.smtp.allowInsecureAuth, log };
    const pop3Backend = mailStoreBackend(mail, (login, password, context) => authenticate(store.db, login, password, context));
    if (ports.pop3) access.push({ name: 'pop3', port: ports.pop3, listener: new Pop3Listener({ ...accessOptions, implicitTls: false }, pop3Backend) });
    if (ports.pop3s) access.push({ name: 'pop3s', port: ports.pop3s, listener: new Pop3Listener({ ...accessOptions, implicitTls: true }, pop3Backend) });
    const imapServices = {
      mail,
      changes,
      authenticate: (login: string, password: string, context?: LoginContext) => authenticate(store.db, login, password, context),
      throttle: new LoginThrottle(),
      allowInsecureAuth: config.smtp.allowInsecureAuth,
      appendLimit: config.smtp.maxMessageSize,
      log,
    };
    if (ports.imap) access.push({ name: 'imap', port: ports.imap, listener: createImapListener({ implicitTls: false, tls }, imapServices) });
    if (ports.imaps) access.push({ name: 'imaps', port: ports.imaps, listener: createImapListener({ implicitTls: true, tls }, imapServices) });
    // HTTP (client autoconfig for now): plain HTTP, as Thunderbird and Outlook also ask over http:// and admins put TLS in front.
    if (ports.http) access.push({ name: 'http', port: ports.http, listener: createHttpListener({ db: store.db, hostname: config.hostname, ports, log, resolver, jmap: { store, mail, changes, throttle: imapServices.throttle, submission, log } }) });

    const portOf: Record<string, number> = { smtp: ports.smtp, submission: ports.submission, submissions: ports.submissions, lmtp: ports.lmtp };
    const listeners: RunningServer['listeners'] = [];
    for (const { name, server } of servers) {
      await listen(server, portOf[name], config.listen);
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : portOf[name];
      listeners.push({ name, address: `${config.listen}:${port}` });
    }
    for (const { name, port, listener } of access) listeners.push({ name, address: `${config.listen}:${await listener.listen(port, config.listen)}` });
    worker.start();
    const sweeper = startBlobSweeper(store, log);
    // Catches up with messages a crash left unindexed; deliveries keep it going (search-indexer.ts).
    const searchIndexer = SearchIndexer.of(store);
    searchIndexer.start(log);
    return {
      store,
      mail,
      outbound: worker,
      listeners,
      firstAdmin,
      async stop() {
        sweeper.stop();
        await Promise.all([...servers.map(({ server }) => close(server)), ...access.map(({ listener }) => listener.close())]);
        await Promise.all([worker.stop(), inboundPool?.close()]);
        await searchIndexer.stop();
        await store.close();
      },
    };
  } catch (err) {
    await Promise.all([...servers.map(({ server }) => close(server)), ...access.map(({ listener }) => listener.close())]);
    // The MX and LMTP listeners boot the inspection threads when made: a start that fails after
    // that must stop them, or they keep the failed process alive.
    await Promise.all([outbound?.stop(), inboundPool?.close()]);
    await store.close();
    throw err;
  }
}

const SWEEP_EVERY_MS = 60 * 60_000;

/**
 * Deletes message bytes nothing references any more (expunged everywhere), shortly after start
 * and then hourly, in batches so one sweep never holds the write lock for long.
 */
function startBlobSweeper(store: Store, log: (line: string) => void): { stop(): void } {
  const sweep = async () => {
    try {
      let total = 0;
      for (let swept = await sweepBlobs(store.db, store.blobs); swept > 0; swept = await sweepBlobs(store.db, store.blobs)) total += swept;
      if (total > 0) log(`blobs: swept ${total} unreferenced`);
    } catch (err) {
      log(`blobs: sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const first = setTimeout(() => void sweep(), 60_000).unref();
  const every = setInterval(() => void sweep(), SWEEP_EVERY_MS).unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
