// Submission (RFC 6409) on 587 with STARTTLS and 465 with implicit TLS (RFC 8314), against swaks,
// python smtplib and nodemailer: who may log in, which senders they may use, and what arrives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';

import { swaks } from '../helpers/peers.ts';
import { dkimRecord } from '../helpers/petrel-cli.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { findBySubject, listMail, showMail, smtplibSend } from '../helpers/smtp-peers.ts';
import { SmtpSession } from '../helpers/smtp-session.ts';

const ALICE = 'alice@sub.test';
const BOB = 'bob@sub.test';
const PASSWORD = 'secret-pass';

function message(from: string, subject: string, extra = ''): Buffer {
  return Buffer.from(`From: <${from}>\r\nTo: <${BOB}>\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@sub.test>\r\n${extra}\r\nHi Bob.\r\n`);
}

/** Answers mailauth's TXT queries with the key `petrel dns` publishes, and nothing else. */
function dkimResolver(record: { name: string; value: string }) {
  return async (name: string, rrtype: string): Promise<string[][]> => {
    if (rrtype.toUpperCase() === 'TXT' && name.toLowerCase().replace(/\.$/, '') === record.name) return [[record.value]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

describe('submission listeners (587 STARTTLS, 465 implicit TLS)', () => {
  let server: RunningPetrel;
  const auth = (method: string) => ['--auth', method, '--auth-user', ALICE, '--auth-password', PASSWORD];
  const on587 = () => ['--server', `127.0.0.1:${server.ports.submission}`, '--tls'];
  const on465 = () => ['--server', `127.0.0.1:${server.ports.submissions}`, '--tlsc'];

  /** Delivered to Bob exactly once, and Alice's Sent has the same message marked \Seen. */
  function assertDeliveredWithSentCopy(subject: string): Buffer {
    const received = findBySubject(server, BOB, subject);
    const sent = findBySubject(server, ALICE, subject, 'Sent');
    assert.deepEqual(sent.flags, ['\\Seen'], 'the Sent copy is already read');
    assert.ok(!listMail(server, ALICE).some((e) => e.subject === subject), 'the sender gets no INBOX copy');
    return showMail(server, BOB, received.uid);
  }

  before(async () => {
    server = await startPetrel();
    petrelOk(['domain', 'add', 'sub.test', ...server.args]);
    petrelOk(['domain', 'add', 'other.test', ...server.args]);
    for (const user of [ALICE, BOB]) petrelOk(['user', 'add', user, '--password', PASSWORD, ...server.args]);
    petrelOk(['alias', 'add', 'info@sub.test', ALICE, ...server.args]);
    petrelOk(['alias', 'add', 'alice@other.test', ALICE, ...server.args]);
  });
  after(() => server?.destroy());

  test('swaks AUTH PLAIN over STARTTLS on 587', () => {
    const result = swaks([...on587(), ...auth('PLAIN'), '--from', ALICE, '--to', BOB, '--header', 'Subject: sub swaks plain 587']);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /=== TLS started/);
    assert.match(result.output, /<~ {2}235 /);
    assertDeliveredWithSentCopy('sub swaks plain 587');
  });

  test('swaks AUTH LOGIN over implicit TLS on 465, with the prompts Outlook needs', () => {
    const result = swaks([...on465(), ...auth('LOGIN'), '--from', ALICE, '--to', BOB, '--header', 'Subject: sub swaks login 465']);
    assert.equal(result.status, 0, result.output);
    // REFERENCES.md: Outlook wants exactly these base64 prompts ("Username:", "Password:").
    assert.match(result.output, /<~ {2}334 VXNlcm5hbWU6/);
    assert.match(result.output, /<~ {2}334 UGFzc3dvcmQ6/);
    assertDeliveredWithSentCopy('sub swaks login 465');
  });

  test('python smtplib SMTP_SSL login on 465; the stored copy is the sent bytes under a DKIM signature', async () => {
    const sent = message(ALICE, 'sub smtplib ssl');
    const result = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: ALICE, to: [BOB] }, sent);
    assert.equal(result.status, 'ok', result.raw);
    assert.equal(result.tls, true);
    const stored = assertDeliveredWithSentCopy('sub smtplib ssl');
    assert.ok(stored.subarray(stored.length - sent.length).equals(sent), 'the body and headers the client sent are kept byte for byte');
    assert.match(stored.toString('latin1'), /^Return-Path: <alice@sub\.test>\r\nDKIM-Signature: v=1; [^\r]*d=sub\.test;/);
    const verified = await dkimVerify(stored, { resolver: dkimResolver(dkimRecord(server.args, 'sub.test')) });
    const signature = verified.results.find((r) => r.signingDomain === 'sub.test');
    assert.equal(signature?.status.result, 'pass', JSON.stringify(verified.results.map((r) => r.status)));
  });

  test('nodemailer on 587 (STARTTLS required) and on 465 (secure)', async () => {
    for (const [port, secure] of [[server.ports.submission, false], [server.ports.submissions, true]] as const) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure, requireTLS: !secure, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PASSWORD } });
      try {
        const subject = `sub nodemailer ${port === server.ports.submission ? 587 : 465}`;
        const info = await transport.sendMail({ from: `Alice <${ALICE}>`, to: BOB, subject, text: 'Grüße — ünïcödé body' });
        assert.deepEqual(info.accepted, [BOB]);
        assertDeliveredWithSentCopy(subject);
      } finally {
        transport.close();
      }
    }
  });

  test('a wrong password gets 535 5.7.8', () => {
    const viaSwaks = swaks([...on587(), '--auth', 'LOGIN', '--auth-user', ALICE, '--auth-password', 'wrong', '--from', ALICE, '--to', BOB]);
    assert.match(viaSwaks.output, /<~\* 535 5\.7\.8 /, viaSwaks.output);
    const viaPython = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, 'wrong'], from: ALICE, to: [BOB] }, message(ALICE, 'never'));
    assert.equal(viaPython.code, 535, viaPython.raw);
    assert.match(viaPython.message!, /^5\.7\.8 /);
    const unknownUser = smtplibSend({ port: server.ports.submissions, ssl: true, login: ['nobody@sub.test', PASSWORD], from: ALICE, to: [BOB] }, message(ALICE, 'never'));
    assert.equal(unknownUser.code, 535, 'an unknown login looks the same as a wrong password');
  });

  test('no AUTH: MAIL FROM gets 530 5.7.0', () => {
    const viaSwaks = swaks([...on587(), '--from', ALICE, '--to', BOB]);
    assert.match(viaSwaks.output, /<~\* 530 5\.7\.0 /, viaSwaks.output);
    const viaPython = smtplibSend({ port: server.ports.submissions, ssl: true, from: ALICE, to: [BOB] }, message(ALICE, 'never'));
    assert.equal(viaPython.status, 'error', viaPython.raw);
    assert.equal(viaPython.code, 530);
  });

  test("someone else's address as MAIL FROM (553 5.7.1) or as From: (550 5.7.1) is refused", () => {
    const envelope = swaks([...on587(), ...auth('PLAIN'), '--from', BOB, '--to', BOB]);
    assert.match(envelope.output, /<~\* 553 5\.7\.1 /, envelope.output);
    const header = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: ALICE, to: [BOB] }, message(BOB, 'sub forged from'));
    assert.equal(header.status, 'error', header.raw);
    assert.equal(header.code, 550);
    assert.match(header.message!, /^5\.7\.1 /);
    assert.ok(!listMail(server, BOB).some((e) => e.subject === 'sub forged from'), 'nothing delivered');
    assert.ok(!listMail(server, ALICE, 'Sent').some((e) => e.subject === 'sub forged from'), 'nothing in Sent');
  });

  test('an alias is an allowed sender, signed with its own domain’s key', async () => {
    const local = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: 'info@sub.test', to: [BOB] }, message('info@sub.test', 'sub from alias'));
    assert.equal(local.status, 'ok', local.raw);
    assertDeliveredWithSentCopy('sub from alias');
    const other = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: 'alice@other.test', to: [BOB] }, message('alice@other.test', 'sub from other domain'));
    assert.equal(other.status, 'ok', other.raw);
    const stored = assertDeliveredWithSentCopy('sub from other domain');
    assert.match(stored.toString('latin1'), /^Return-Path: <alice@other\.test>\r\nDKIM-Signature: v=1; [^\r]*d=other\.test;/);
    const verified = await dkimVerify(stored, { resolver: dkimResolver(dkimRecord(server.args, 'other.test')) });
    assert.equal(verified.results.find((r) => r.signingDomain === 'other.test')?.status.result, 'pass');
  });

  test('a message without Date and Message-ID gets both (RFC 6409 §8.2, §8.3)', () => {
    const bare = Buffer.from(`From: <${ALICE}>\r\nTo: <${BOB}>\r\nSubject: sub bare\r\n\r\nNo date, no id.\r\n`);
    const result = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: ALICE, to: [BOB] }, bare);
    assert.equal(result.status, 'ok', result.raw);
    const stored = assertDeliveredWithSentCopy('sub bare').toString('latin1');
    const headers = stored.slice(0, stored.indexOf('\r\n\r\n'));
    assert.match(headers, /\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n/);
    assert.match(headers, /\r\nMessage-ID: <[^@>\s]+@[^>\s]+>\r\n/);
    assert.ok(stored.endsWith(bare.toString('latin1')), 'the client’s own bytes follow unchanged');
  });

  test('the delivered copy carries a Received trace field saying ESMTPSA (RFC 5321 §4.4, RFC 3848)', () => {
    const result = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: ALICE, to: [BOB] }, message(ALICE, 'sub trace'));
    assert.equal(result.status, 'ok', result.raw);
    const stored = showMail(server, BOB, findBySubject(server, BOB, 'sub trace').uid).toString('latin1');
    assert.match(stored.slice(0, stored.indexOf('\r\n\r\n')), /(^|\r\n)Received: from python\.test [^;]* with ESMTPSA id /);
  });

  test('an unknown local recipient is refused at RCPT with 550 5.1.1', () => {
    const result = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ALICE, PASSWORD], from: ALICE, to: ['ghost@sub.test'] }, message(ALICE, 'to a ghost'));
    assert.equal(result.status, 'rcpt', result.raw);
    assert.equal(result.code, 550);
    assert.match(result.message!, /^5\.1\.1 /);
  });

  test('plaintext AUTH on 587 is allowed from loopback (the rule: TLS or loopback)', async () => {
    const viaSwaks = swaks(['--server', `127.0.0.1:${server.ports.submission}`, ...auth('PLAIN'), '--from', ALICE, '--to', BOB, '--header', 'Subject: sub plaintext loopback']);
    assert.equal(viaSwaks.status, 0, viaSwaks.output);
    assert.doesNotMatch(viaSwaks.output, /TLS started/);
    assertDeliveredWithSentCopy('sub plaintext loopback');
    const viaPython = smtplibSend({ port: server.ports.submission, login: [ALICE, PASSWORD], from: ALICE, to: [BOB] }, message(ALICE, 'sub plaintext python'));
    assert.equal(viaPython.status, 'ok', viaPython.raw);
    assert.equal(viaPython.tls, false);
    assert.ok(viaPython.features?.auth?.includes('PLAIN') && viaPython.features.auth.includes('LOGIN'), `AUTH offered before TLS: ${JSON.stringify(viaPython.features)}`);
    assertDeliveredWithSentCopy('sub plaintext python');
  });

  test('465 speaks TLS from the first byte; 587 offers STARTTLS and AUTH', async () => {
    const { session, greeting } = await SmtpSession.open(server.ports.submissions, { tls: true });
    try {
      assert.equal(greeting.code, 220);
      assert.ok(session.encrypted);
      const ehlo = await session.command('EHLO tls.test');
      assert.match(ehlo.text, /\n250[- ]AUTH PLAIN LOGIN/);
      assert.doesNotMatch(ehlo.text, /STARTTLS/, 'no STARTTLS inside TLS');
    } finally {
      await session.close();
    }
    const { session: plain } = await SmtpSession.open(server.ports.submission);
    try {
      const ehlo = await plain.command('EHLO plain.test');
      assert.match(ehlo.text, /\n250[- ]STARTTLS/);
      assert.equal((await plain.startTls()).code, 220);
      assert.ok(plain.encrypted);
      const credentials = Buffer.from(`\0${ALICE}\0${PASSWORD}`).toString('base64');
      assert.equal((await plain.command('EHLO plain.test')).code, 250);
      assert.match((await plain.command(`AUTH PLAIN ${credentials}`)).text, /^235 2\.7\.0 /);
      assert.equal((await plain.command(`MAIL FROM:<${ALICE}> AUTH=<>`)).code, 250, 'the RFC 4954 §5 AUTH parameter is accepted');
    } finally {
      await plain.close();
    }
  });
});
