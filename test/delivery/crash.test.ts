// Durability (DESIGN.md: 250 only after a durable commit; a queue entry survives restarts): flood
// a real `petrel serve` over parallel raw SMTP sessions, kill -9 it mid-burst, start it again on
// the same data, and demand every acknowledged message back, exactly once, byte for byte. Then the
// same for submission (Sent copy and queue entry commit together), and the outbound worker's
// window between a remote 5xx and the stored bounce.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { retryNow } from '../../src/delivery/outbound-queue.ts';
import type { MessageRouter } from '../../src/delivery/router.ts';
import { outboundNode } from '../helpers/outbound-node.ts';
import { dnsOverridesToml, mailList, mailShow, outboundToml, prepareDataDir, queueList, type MailEntry } from '../helpers/petrel-cli.ts';
import { startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { createTestDatabase, POSTGRES_SKIP_MESSAGE, type TestDatabase } from '../helpers/postgres.ts';
import { smtpBurst, type BurstMessage } from '../helpers/smtp-burst.ts';
import { waitFor } from '../helpers/wait.ts';
import { closedPort, startTestServer } from './smtp-test-server.ts';

const RECIPIENT = 'sink@crash.test';
const SENDER = 'flood@elsewhere.test';
const CYCLES = 3;
const CONNECTIONS = 8;
const BURST_MS = 1500;
/** Messages per cycle whose stored bytes are compared in full (each costs one CLI run). */
const SAMPLE = 4;

/** One kill -9 mid-burst; returns what the server acknowledged before it died. */
async function burstThenKill(
  server: RunningPetrel,
  tag: string,
  target: { port: number; from: string; to: string; auth?: { user: string; pass: string } } = { port: server.ports.smtp, from: SENDER, to: RECIPIENT },
): Promise<Map<string, BurstMessage>> {
  let stopping = false;
  let acks = 0;
  const burst = smtpBurst({ ...target, connections: CONNECTIONS, tag, shouldStop: () => stopping, onAcknowledged: () => acks++ });
  await delay(BURST_MS);
  // On a loaded machine the first commits may take longer; a kill before any would prove nothing.
  await waitFor('a first acknowledged message', () => acks > 0, { timeoutMs: 30_000, intervalMs: 50 });
  // SIGKILL: no shutdown handler runs, nothing gets flushed on the way out.
  await server.stop('SIGKILL');
  stopping = true;
  const { acknowledged, attempted } = await burst;
  process.stderr.write(`crash ${tag}: ${acknowledged.size} of ${attempted} transactions acknowledged before kill -9\n`);
  return acknowledged;
}

/** Every acknowledged subject is stored, no subject is stored twice, and a sample is byte-identical. */
function verifyStored(args: string[], acknowledged: Map<string, BurstMessage>, sample: BurstMessage[], where = { address: RECIPIENT, mailbox: 'INBOX' }): MailEntry[] {
  const stored = mailList(args, where.address, where.mailbox);
  const counts = new Map<string, number>();
  for (const entry of stored) counts.set(entry.subject, (counts.get(entry.subject) ?? 0) + 1);
  const missing = [...acknowledged.keys()].filter((subject) => !counts.has(subject));
  assert.deepEqual(missing, [], `${missing.length} acknowledged message(s) lost`);
  const duplicated = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(duplicated, [], 'no message is stored twice');

  for (const message of sample) {
    const entry = stored.find((e) => e.subject === message.subject);
    assert.ok(entry, `${message.subject} listed`);
    const bytes = mailShow(args, where.address, entry.uid, where.mailbox);
    // Petrel prepends trace headers (MX) or its DKIM signature (submission); the rest must be what we sent.
    const tail = bytes.subarray(bytes.length - message.raw.length);
    assert.ok(tail.equals(message.raw), `${message.subject}: stored bytes differ from the acknowledged message`);
  }
  return stored;
}

function pick<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}

async function crashCycles(label: string, database?: string): Promise<void> {
  const { dataDir, args } = prepareDataDir('crash.test', [{ address: RECIPIENT, password: 'crash test password' }], database);
  const start = (ports?: RunningPetrel['ports']) => startPetrel({ dataDir, database, hostname: 'mx.crash.test', ports });
  let server = await start();
  const acknowledged = new Map<string, BurstMessage>();
  try {
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const acked = await burstThenKill(server, `${label}-${cycle}`);
      assert.ok(acked.size > 0, `cycle ${cycle}: the server acknowledged something before it was killed`);
      for (const [subject, message] of acked) acknowledged.set(subject, message);
      // Same ports and data, as a supervisor restarting it would.
      server = await start(server.ports);
      verifyStored(args, acknowledged, pick([...acked.values()], SAMPLE));
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('kill -9 during an SMTP burst loses no acknowledged message and duplicates none [sqlite]', { timeout: 180_000 }, async () => {
  await crashCycles('sqlite');
});

/** createTestDatabase gives up after one 3 s connect; on a machine busy with parallel suites that is too eager to skip. */
async function reachableDatabase(): Promise<TestDatabase | null> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const database = await createTestDatabase();
    if (database || attempt === 3) return database;
    await delay(1000);
  }
  return null;
}

const database = await reachableDatabase();
if (!database) process.stderr.write(`\n*** ${POSTGRES_SKIP_MESSAGE} ***\n`);

test('kill -9 during an SMTP burst loses no acknowledged message and duplicates none [postgres]', { timeout: 180_000, skip: database ? false : POSTGRES_SKIP_MESSAGE }, async () => {
  if (!database) return;
  try {
    await crashCycles('postgres', database.url);
  } finally {
    await database.drop();
  }
});

// Submission commits the Sent copy and the queue entry together (src/delivery/router.ts): after a
// kill -9 every acknowledged submission must be in Sent, and Sent and the queue must agree.
test('kill -9 during a submission burst keeps every acknowledged message in Sent and on the queue', { timeout: 120_000 }, async () => {
  const alice = { user: 'alice@a.test', pass: 'crash test password' };
  const { dataDir, args } = prepareDataDir('a.test', [{ address: alice.user, password: alice.pass }]);
  // far.test's MX is a port nothing listens on: every message stays queued, none bounces.
  const configToml = outboundToml({ mxPort: await closedPort() }) + dnsOverridesToml({ 'far.test': { MX: ['10 mx.far.test'] }, 'mx.far.test': { A: ['127.0.0.1'] } });
  const start = (ports?: RunningPetrel['ports']) => startPetrel({ dataDir, hostname: 'mx.a.test', configToml, ports });
  let server = await start();
  try {
    const acked = await burstThenKill(server, 'submission', { port: server.ports.submission, from: alice.user, to: 'someone@far.test', auth: alice });
    assert.ok(acked.size > 0, 'the server acknowledged something before it was killed');
    server = await start(server.ports);
    const sent = verifyStored(args, acked, pick([...acked.values()], SAMPLE), { address: alice.user, mailbox: 'Sent' });
    const queued = queueList(args);
    assert.equal(queued.length, sent.length, 'one queue entry per Sent copy: both commit or neither');
    assert.ok(queued.every((q) => q.recipients.every((r) => r.address === 'someone@far.test' && r.status === 'pending')));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The outbound side's weak point is the moment between the remote's 5xx and the bounce being
// stored. A worker whose router never finishes writing the bounce stands for a process killed
// right there; another worker, as after a restart, must still deliver the bounce.
test('a crash while a bounce is being written leaves the recipient to be retried, not the bounce lost', { timeout: 60_000 }, async () => {
  const remote = await startTestServer({ rcpt: () => ({ code: 550, message: '5.1.1 no such user' }) });
  const node = await outboundNode({ sender: 'alice@a.test', mxPort: remote.port, overrides: { 'b.test': { MX: ['10 mx.b.test'] }, 'mx.b.test': { A: ['127.0.0.1'] } } });
  try {
    const raw = Buffer.from('From: alice@a.test\r\nTo: gone@b.test\r\nSubject: to a gone user\r\nMessage-ID: <gone@a.test>\r\n\r\nhello\r\n');
    await node.router.route({ sender: 'alice@a.test', recipients: [{ address: 'gone@b.test' }], raw });

    let bounceStarted = false;
    const dying = { route: () => ((bounceStarted = true), new Promise<never>(() => {})) } as unknown as MessageRouter;
    void node.worker(dying).runOnce();
    await waitFor('the bounce to be started', () => bounceStarted, { timeoutMs: 20_000, intervalMs: 20 });
    const recipient = await node.store.db.selectFrom('queue_recipients').select(['status']).where('recipient', '=', 'gone@b.test').executeTakeFirstOrThrow();
    assert.equal(recipient.status, 'pending', 'the failure is not committed before its bounce is');

    // "Restart": the lease of the dead worker is cleared (as `petrel queue retry` does) and a healthy worker runs.
    await retryNow(node.store.db);
    assert.equal(await node.worker().runOnce(), 1);
    const bounces = (await node.inbox()).filter((e) => e.subject === 'Undelivered Mail Returned to Sender');
    assert.equal(bounces.length, 1, 'the bounce arrived once');
    assert.match((await node.readRaw(bounces[0])).toString('latin1'), /^Status: 5\.1\.1$/m);
    assert.equal((await node.store.db.selectFrom('queue_messages').select('id').execute()).length, 0, 'the queue is empty');
  } finally {
    await node.close();
    await remote.close();
  }
});
