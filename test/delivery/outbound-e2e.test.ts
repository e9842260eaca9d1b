// The outbound path end to end: two (or three) real `petrel serve` processes on loopback, mail
// submitted with nodemailer, relayed over SMTP, checked where it lands. DNS is only what each
// instance's config overrides; nothing leaves 127.0.0.1.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';

import { listQueue, retryNow } from '../../src/delivery/outbound-queue.ts';
import { freePort } from '../helpers/free-port.ts';
import { outboundNode } from '../helpers/outbound-node.ts';
import {
  dkimRecord,
  dnsOverridesToml,
  mailList,
  mailShow,
  outboundToml,
  prepareDataDir,
  queueList,
  type MailEntry,
  type PreparedData,
} from '../helpers/petrel-cli.ts';
import { petrelOk, startPetrel, type PetrelPorts, type RunningPetrel } from '../helpers/petrel-process.ts';
import { waitFor } from '../helpers/wait.ts';

const PASSWORD = 'correct horse battery staple';
const ALICE = 'alice@a.test';
const BOB = 'bob@b.test';
const CAROL = 'carol@c.test';

async function pickPorts(): Promise<PetrelPorts> {
  return { smtp: await freePort(), submission: await freePort(), submissions: await freePort(), lmtp: await freePort() };
}

/** Submits as alice on port 587 with STARTTLS and AUTH, as a mail client would. */
async function submit(server: RunningPetrel, to: string, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.ports.submission,
    secure: false,
    requireTLS: true,
    auth: { user: ALICE, pass: PASSWORD },
    // The test instance has a self-signed certificate.
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({ from: ALICE, to, subject, text: `${subject}\n\nsent by the outbound end-to-end test.\n` });
    assert.deepEqual(info.accepted, [to], `submission accepted ${to}`);
    return info.messageId;
  } finally {
    transport.close();
  }
}

/** Waits for a message with this subject in a mailbox, read through the CLI. */
function waitForMail(args: string[], address: string, subject: string, mailbox = 'INBOX', timeoutMs = 20_000): Promise<MailEntry> {
  return waitFor(`"${subject}" in ${address} ${mailbox}`, () => mailList(args, address, mailbox).find((e) => e.subject === subject), { timeoutMs });
}

function header(raw: Buffer, name: string): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
}

/** Answers only the DKIM key `petrel dns` publishes, like a resolver that knows nothing else. */
function dkimResolver(record: { name: string; value: string }) {
  return async (name: string, rrtype: string): Promise<string[][]> => {
    if (rrtype.toUpperCase() === 'TXT' && name.toLowerCase().replace(/\.$/, '') === record.name) return [[record.value]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

describe('outbound delivery between Petrel instances', () => {
  let aData: PreparedData;
  let bData: PreparedData;
  let a: RunningPetrel;
  let b: RunningPetrel;
  let dkim: { name: string; value: string };
  const cleanup: (() => Promise<void> | void)[] = [];

  before(async () => {
    aData = prepareDataDir('a.test', [{ address: ALICE, password: PASSWORD }]);
    bData = prepareDataDir('b.test', [{ address: BOB, password: PASSWORD }]);
    cleanup.push(() => rmSync(aData.dataDir, { recursive: true, force: true }), () => rmSync(bData.dataDir, { recursive: true, force: true }));
    // B's DNS knows a.test's DKIM key exactly as A tells its admin to publish it, and an SPF
    // record allowing loopback, so B's inbound checks have something real to pass.
    dkim = dkimRecord(aData.args, 'a.test');
    b = await startPetrel({
      dataDir: bData.dataDir,
      hostname: 'mx.b.test',
      ports: await pickPorts(),
      configToml: dnsOverridesToml({ 'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] }, [dkim.name]: { TXT: [dkim.value] } }),
    });
    cleanup.push(() => b.stop());
    a = await startPetrel({
      dataDir: aData.dataDir,
      hostname: 'mx.a.test',
      configToml: outboundToml({ mxPort: b.ports.smtp }) + dnsOverridesToml({ 'b.test': { MX: ['10 mx.b.test'] }, 'mx.b.test': { A: ['127.0.0.1'] } }),
    });
    cleanup.push(() => a.stop());
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('a submitted message reaches the other instance DKIM-signed, and stays in Sent', { timeout: 60_000 }, async () => {
    const subject = 'hello from a.test';
    await submit(a, BOB, subject);
    const arrived = await waitForMail(bData.args, BOB, subject);
    const stored = mailShow(bData.args, BOB, arrived.uid);

    // B's own verdict, as it recorded it (RFC 8601).
    const results = header(stored, 'Authentication-Results').join('\n');
    assert.match(results, /^Authentication-Results: mx\.b\.test;/m);
    assert.match(results, /\bdkim=pass\b[^;]*header\.i=@a\.test/);
    assert.match(results, /\bspf=pass\b/);

    // And a verifier we did not write, fed only the record `petrel dns a.test --json` prints.
    const verified = await dkimVerify(stored, { resolver: dkimResolver(dkim) });
    const signature = verified.results.find((r) => r.signingDomain === 'a.test');
    assert.equal(signature?.status.result, 'pass', `mailauth verdict: ${JSON.stringify(verified.results.map((r) => r.status))}`);

    // The Sent copy is the very message that went out: B's copy is it plus B's trace headers.
    const sentEntry = await waitForMail(aData.args, ALICE, subject, 'Sent', 5_000);
    assert.ok(sentEntry.flags.includes('\\Seen'), 'the Sent copy is marked read');
    const sent = mailShow(aData.args, ALICE, sentEntry.uid, 'Sent');
    assert.match(sent.toString('latin1'), /^DKIM-Signature: /, 'the Sent copy is the signed message');
    assert.ok(stored.subarray(stored.length - sent.length).equals(sent), 'B stored the sent bytes unchanged');
    await waitFor('an empty queue at A', () => queueList(aData.args).length === 0, { timeoutMs: 10_000 });
  });

  test('a recipient refused with 550 5.1.1 bounces to the sender with a DSN, and leaves the queue', { timeout: 60_000 }, async () => {
    const subject = 'to somebody who does not exist';
    const messageId = await submit(a, 'nosuchuser@b.test', subject);
    const bounceEntry = await waitForMail(aData.args, ALICE, 'Undelivered Mail Returned to Sender');
    const bounce = mailShow(aData.args, ALICE, bounceEntry.uid).toString('latin1');

    assert.match(bounce, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
    assert.match(bounce, /^From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>/m);
    assert.match(bounce, /^Content-Type: message\/delivery-status/m);
    assert.match(bounce, /^Final-Recipient: rfc822; nosuchuser@b\.test$/m);
    assert.match(bounce, /^Action: failed$/m);
    assert.match(bounce, /^Status: 5\.1\.1$/m);
    assert.match(bounce, /^Remote-MTA: dns; mx\.b\.test$/m);
    assert.match(bounce, /^Diagnostic-Code: smtp; 550 5\.1\.1/m);
    // The original comes back (its headers at least), so the sender can tell which message it was.
    assert.ok(bounce.includes(`Subject: ${subject}`), 'the original Subject is returned');
    assert.ok(bounce.includes(`Message-ID: ${messageId}`), 'the original Message-ID is returned');
    assert.match(bounce, new RegExp(`^In-Reply-To: ${messageId.replace(/[.$]/g, '\\$&')}$`, 'm'));

    await waitFor('an empty queue at A after the bounce', () => queueList(aData.args).length === 0, { timeoutMs: 10_000 });
    const bounces = mailList(aData.args, ALICE).filter((e) => e.subject === 'Undelivered Mail Returned to Sender');
    assert.equal(bounces.length, 1, 'exactly one bounce');
  });

  test('through a smarthost, with no DNS for the recipient domain at all', { timeout: 60_000 }, async () => {
    const a2Data = prepareDataDir('a.test', [{ address: ALICE, password: PASSWORD }]);
    // No overrides for b.test and no system DNS: only the smarthost can get the message there.
    const a2 = await startPetrel({ dataDir: a2Data.dataDir, hostname: 'mx2.a.test', configToml: outboundToml({}), extraArgs: ['--smarthost', `127.0.0.1:${b.ports.smtp}`] });
    try {
      const subject = 'relayed through the smarthost';
      await submit(a2, BOB, subject);
      const arrived = await waitForMail(bData.args, BOB, subject);
      assert.match(mailShow(bData.args, BOB, arrived.uid).toString('latin1'), /^Received: from mx2\.a\.test /m);
      await waitFor('an empty queue at A2', () => queueList(a2Data.args).length === 0, { timeoutMs: 10_000 });
    } finally {
      await a2.stop();
      rmSync(a2Data.dataDir, { recursive: true, force: true });
    }
  });
});

describe('outbound retry after the destination comes up', () => {
  test('a message for an unreachable MX waits in the queue and goes out on `petrel queue retry`', { timeout: 90_000 }, async () => {
    const cPorts = await pickPorts();
    const aData = prepareDataDir('a.test', [{ address: ALICE, password: PASSWORD }]);
    const cData = prepareDataDir('c.test', [{ address: CAROL, password: PASSWORD }]);
    // mx_port applies to every MX, so this sender aims at C's future port, where nothing listens yet.
    const a = await startPetrel({
      dataDir: aData.dataDir,
      hostname: 'mx.a.test',
      configToml: outboundToml({ mxPort: cPorts.smtp }) + dnsOverridesToml({ 'c.test': { MX: ['10 mx.c.test'] }, 'mx.c.test': { A: ['127.0.0.1'] } }),
    });
    let c: RunningPetrel | null = null;
    try {
      const subject = 'held until c.test answers';
      await submit(a, CAROL, subject);
      const pending = await waitFor('a failed first attempt in the queue', () => {
        const recipient = queueList(aData.args)[0]?.recipients.find((r) => r.address === CAROL);
        return recipient && recipient.attempts >= 1 ? recipient : undefined;
      });
      assert.equal(pending.status, 'pending');
      assert.ok(pending.lastError, 'the queue says why it failed');
      // Backoff starts at a minute, so only the retry command can make it arrive within the wait below.
      assert.ok(pending.nextAttemptAt > Date.now() + 20_000, 'the next attempt is scheduled well in the future');

      c = await startPetrel({ dataDir: cData.dataDir, hostname: 'mx.c.test', ports: cPorts });
      assert.match(petrelOk(['queue', 'retry', ...aData.args]), /^1 recipient\(s\) due now/);
      const arrived = await waitForMail(cData.args, CAROL, subject);
      assert.match(mailShow(cData.args, CAROL, arrived.uid).toString('latin1'), /^Received: from mx\.a\.test /m);
      await waitFor('an empty queue at A after the retry', () => queueList(aData.args).length === 0, { timeoutMs: 10_000 });
    } finally {
      await c?.stop();
      await a.stop();
      rmSync(aData.dataDir, { recursive: true, force: true });
      rmSync(cData.dataDir, { recursive: true, force: true });
    }
  });
});

// A delay notice is due after hours, so this drives the worker's decision directly, in-process,
// against a port where nothing listens.
describe('delay notices', () => {
  test('the sender gets one "delayed" DSN once the notice time has passed, and never a second', { timeout: 60_000 }, async () => {
    const node = await outboundNode({ sender: ALICE, mxPort: await freePort(), overrides: { 'd.test': { MX: ['10 mx.d.test'] }, 'mx.d.test': { A: ['127.0.0.1'] } } });
    try {
      node.config.outbound.delayNoticeAfterMs = 3600_000;
      const worker = node.worker();
      const raw = Buffer.from(`From: ${ALICE}\r\nTo: dave@d.test, erin@d.test\r\nSubject: slow one\r\nMessage-ID: <slow@a.test>\r\n\r\nhello\r\n`);
      // erin asked only for failure notices (RFC 3461 §4.1), so she must not appear in the delay notice.
      await node.router.route({ sender: ALICE, recipients: [{ address: 'dave@d.test' }, { address: 'erin@d.test', notify: 'FAILURE' }], raw });
      const notices = async () => (await node.inbox()).filter((e) => e.subject.startsWith('Delayed Mail'));

      assert.equal(await worker.runOnce(), 2, 'first attempt');
      assert.equal((await notices()).length, 0, 'no notice before delayNoticeAfterMs has passed');

      // The message has now waited "long enough"; the next failed attempt owes the notice.
      node.config.outbound.delayNoticeAfterMs = 0;
      await retryNow(node.store.db);
      assert.equal(await worker.runOnce(), 2, 'second attempt');
      const [notice] = await notices();
      assert.ok(notice, 'a delay notice arrived');
      const text = (await node.readRaw(notice)).toString('latin1');
      assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
      assert.match(text, /^Final-Recipient: rfc822; dave@d\.test$/m);
      assert.doesNotMatch(text, /^Final-Recipient: rfc822; erin@d\.test$/m);
      assert.match(text, /^Action: delayed$/m);
      assert.match(text, /^Status: 4\.\d+\.\d+$/m);
      assert.match(text, /^Will-Retry-Until: /m);
      assert.match(text, /^In-Reply-To: <slow@a\.test>$/m);

      await retryNow(node.store.db);
      assert.equal(await worker.runOnce(), 2, 'third attempt');
      assert.equal((await notices()).length, 1, 'still exactly one delay notice');
      const [queued] = await listQueue(node.store.db);
      assert.deepEqual(
        queued.recipients.map((r) => [r.address, r.status, r.attempts]),
        [
          ['dave@d.test', 'pending', 3],
          ['erin@d.test', 'pending', 3],
        ],
      );
    } finally {
      await node.close();
    }
  });
});

describe('expiry', () => {
  test('a recipient still failing temporarily when the message expires bounces with 5.4.7 and the last reply as diagnostic', { timeout: 60_000 }, async () => {
    const node = await outboundNode({ sender: ALICE, mxPort: await freePort(), overrides: { 'e.test': { MX: ['10 mx.e.test'] }, 'mx.e.test': { A: ['127.0.0.1'] } } });
    try {
      const raw = Buffer.from(`From: ${ALICE}\r\nTo: frank@e.test\r\nSubject: too late\r\nMessage-ID: <late@a.test>\r\n\r\nhello\r\n`);
      await node.router.route({ sender: ALICE, recipients: [{ address: 'frank@e.test' }], raw });
      // Five days pass without an answer: the retry period is over at the next attempt.
      await node.store.db.updateTable('queue_messages').set({ expires_at: Date.now() - 1 }).execute();
      assert.equal(await node.worker().runOnce(), 1);
      const bounces = (await node.inbox()).filter((e) => e.subject.startsWith('Undelivered Mail'));
      assert.equal(bounces.length, 1, 'one bounce');
      const text = (await node.readRaw(bounces[0])).toString('latin1');
      assert.match(text, /^Final-Recipient: rfc822; frank@e\.test$/m);
      assert.match(text, /^Action: failed$/m);
      assert.match(text, /^Status: 5\.4\.7$/m);
      assert.equal((await listQueue(node.store.db)).length, 0, 'nothing left to retry');
    } finally {
      await node.close();
    }
  });
});
