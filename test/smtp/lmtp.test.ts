// LMTP (RFC 2033) as an MTA in front of us would use it: swaks --protocol LMTP and a raw client.
// The point of LMTP is one reply per recipient after the data, so one full mailbox refuses
// only itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { swaks } from '../helpers/peers.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { assertStoredSuffix, findBySubject, listMail, showMail } from '../helpers/smtp-peers.ts';
import { SmtpSession } from '../helpers/smtp-session.ts';

const MAX_SIZE = 100_000;

describe('LMTP listener', () => {
  let server: RunningPetrel;
  const lmtp = () => ['--protocol', 'LMTP', '--server', `127.0.0.1:${server.ports.lmtp}`, '--from', 'mta@remote.test'];

  before(async () => {
    server = await startPetrel({ configToml: `[smtp]\nmax_message_size = ${MAX_SIZE}\n` });
    petrelOk(['domain', 'add', 'lmtp.test', ...server.args]);
    petrelOk(['user', 'add', 'alice@lmtp.test', '--password', 'secret-pass', ...server.args]);
    // Room for small messages only: the 25 KB test message fits nowhere, but RCPT cannot know that.
    petrelOk(['user', 'add', 'bob@lmtp.test', '--password', 'secret-pass', '--quota', '20K', ...server.args]);
    petrelOk(['user', 'add', 'carol@lmtp.test', '--password', 'secret-pass', ...server.args]);
  });
  after(() => server?.destroy());

  test('two recipients, one over quota: 250 for one, 452 4.2.2 for the other, only the first stored', () => {
    const result = swaks([...lmtp(), '--to', 'alice@lmtp.test,bob@lmtp.test', '--header', 'Subject: lmtp split', '--body', 'q'.repeat(25_000)]);
    // Both recipients are fine at RCPT time (bob is empty); the quota bites when the data arrives.
    assert.match(result.output, /RCPT TO:<alice@lmtp\.test>\n<- {2}250 /, result.output.slice(-1500));
    assert.match(result.output, /RCPT TO:<bob@lmtp\.test>\n<- {2}250 /, result.output.slice(-1500));
    // After the dot, one reply per recipient in RCPT order (RFC 2033 §4.2).
    assert.match(result.output, / -> \.\n<- {2}250 2\.0\.0 <alice@lmtp\.test> delivered\n<\*\* {1}452 4\.2\.2 /, result.output.slice(-1500));
    findBySubject(server, 'alice@lmtp.test', 'lmtp split');
    assert.equal(listMail(server, 'bob@lmtp.test').length, 0, 'nothing half-stored for bob');
  });

  test('an unknown recipient gets 550 5.1.1 at RCPT; the known one still gets the message', () => {
    const result = swaks([...lmtp(), '--to', 'ghost@lmtp.test,carol@lmtp.test', '--header', 'Subject: lmtp ghost']);
    assert.match(result.output, /RCPT TO:<ghost@lmtp\.test>\n<\*\* {1}550 5\.1\.1 /, result.output.slice(-1500));
    assert.match(result.output, /<- {2}250 2\.0\.0 <carol@lmtp\.test> delivered/, result.output.slice(-1500));
    findBySubject(server, 'carol@lmtp.test', 'lmtp ghost');
  });

  test('a domain that is not ours gets 554 5.7.1 at RCPT', () => {
    const result = swaks([...lmtp(), '--to', 'someone@elsewhere.test']);
    assert.match(result.output, /<\*\* {1}554 5\.7\.1 /, result.output.slice(-1500));
  });

  test('raw client: LHLO only, per-recipient replies in order, stored byte-exact with an LMTP Received line', async () => {
    const { session, greeting } = await SmtpSession.open(server.ports.lmtp);
    try {
      assert.equal(greeting.code, 220);
      assert.equal((await session.command('EHLO mta.test')).code, 500, 'RFC 2033 §4.1: LMTP has LHLO, not EHLO');
      const lhlo = await session.command('LHLO mta.test');
      assert.equal(lhlo.code, 250);
      assert.match(lhlo.text, /\n250[- ]PIPELINING/);
      assert.match(lhlo.text, /\n250[- ]ENHANCEDSTATUSCODES/);
      assert.equal((await session.command('MAIL FROM:<mta@remote.test>')).code, 250);
      assert.equal((await session.command('RCPT TO:<carol@lmtp.test>')).code, 250);
      assert.equal((await session.command('RCPT TO:<alice@lmtp.test>')).code, 250);
      const sent = Buffer.from('From: <mta@remote.test>\r\nSubject: lmtp raw\r\nMessage-ID: <lmtp-raw@remote.test>\r\n\r\nline one\r\n.dot line\r\n');
      const replies = await session.lmtpData(sent, 2);
      assert.deepEqual(replies.map((r) => r.text), ['250 2.0.0 <carol@lmtp.test> delivered', '250 2.0.0 <alice@lmtp.test> delivered']);
      for (const user of ['carol@lmtp.test', 'alice@lmtp.test']) {
        const trace = assertStoredSuffix(showMail(server, user, findBySubject(server, user, 'lmtp raw').uid), sent, `LMTP copy for ${user}`);
        assert.match(trace, /^Return-Path: <mta@remote\.test>\r\nReceived: from mta\.test \([^)]*\[127\.0\.0\.1\]\)\r\n\tby mx\.petrel\.test \(Petrel\) with LMTP id /);
      }
    } finally {
      await session.close();
    }
  });

  test('an oversize message gets 552 once per recipient and is stored nowhere', async () => {
    const { session } = await SmtpSession.open(server.ports.lmtp);
    try {
      await session.command('LHLO mta.test');
      await session.command('MAIL FROM:<mta@remote.test>');
      assert.equal((await session.command('RCPT TO:<alice@lmtp.test>')).code, 250);
      assert.equal((await session.command('RCPT TO:<carol@lmtp.test>')).code, 250);
      const big = Buffer.from(`Subject: lmtp too big\r\n\r\n${`${'b'.repeat(100)}\r\n`.repeat(1500)}`);
      const replies = await session.lmtpData(big, 2);
      assert.deepEqual(replies.map((r) => r.code), [552, 552], replies.map((r) => r.text).join(' | '));
      // The session goes on: a small message after it is delivered.
      await session.command('MAIL FROM:<mta@remote.test>');
      await session.command('RCPT TO:<alice@lmtp.test>');
      const after = await session.lmtpData(Buffer.from('Subject: lmtp after too big\r\n\r\nsmall\r\n'), 1);
      assert.equal(after[0].code, 250, after[0].text);
    } finally {
      await session.close();
    }
    for (const user of ['alice@lmtp.test', 'carol@lmtp.test']) assert.ok(!listMail(server, user).some((e) => e.subject === 'lmtp too big'), `nothing stored for ${user}`);
    findBySubject(server, 'alice@lmtp.test', 'lmtp after too big');
  });
});
