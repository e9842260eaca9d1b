import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';

import { petrel, petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { python, swaks } from '../helpers/peers.ts';

interface Listed {
  uid: number;
  subject: string;
  flags: string[];
}

function list(server: RunningPetrel, address: string, mailbox = 'INBOX'): Listed[] {
  return JSON.parse(petrelOk(['mail', 'list', address, '--mailbox', mailbox, '--json', ...server.args])) as Listed[];
}

function show(server: RunningPetrel, address: string, uid: number, mailbox = 'INBOX'): Buffer {
  const result = petrel(['mail', 'show', address, String(uid), '--mailbox', mailbox, ...server.args]);
  assert.equal(result.status, 0, result.stderr);
  return Buffer.from(result.stdout, 'latin1');
}

const SMTPLIB_SEND = `
import smtplib, sys
port, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
data = sys.stdin.buffer.read()
with smtplib.SMTP('127.0.0.1', port, timeout=30) as s:
    s.ehlo('python.test')
    try:
        s.sendmail(sender, [rcpt], data)
        print('OK')
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = list(e.recipients.values())[0]
        print('RCPT', code, msg.decode())
    except smtplib.SMTPResponseException as e:
        print('ERR', e.smtp_code, e.smtp_error.decode())
`;

describe('mail flow with real clients (python smtplib, swaks, nodemailer)', () => {
  let server: RunningPetrel;

  before(async () => {
    server = await startPetrel({ configToml: '[smtp]\nmax_message_size = 200000\n' });
    petrelOk(['domain', 'add', 'flow.test', ...server.args]);
    petrelOk(['user', 'add', 'alice@flow.test', '--password', 'alice-password', ...server.args]);
    petrelOk(['user', 'add', 'bob@flow.test', '--password', 'bob-password', '--quota', '20K', ...server.args]);
    petrelOk(['alias', 'add', 'info@flow.test', 'alice@flow.test', ...server.args]);
  });
  after(() => server.destroy());

  test('MX: python smtplib delivers; the stored message is the sent bytes under our trace headers', () => {
    const sent = 'From: Carol <carol@remote.test>\r\nTo: alice@flow.test\r\nSubject: from smtplib\r\nMessage-ID: <p1@remote.test>\r\n\r\nHello Alice.\r\n..a line starting with a dot\r\n';
    const result = python(SMTPLIB_SEND, [String(server.ports.smtp), 'carol@remote.test', 'alice@flow.test'], sent);
    assert.match(result.output, /^OK/, result.output);
    const entry = list(server, 'alice@flow.test').find((e) => e.subject === 'from smtplib');
    assert.ok(entry, 'listed');
    const stored = show(server, 'alice@flow.test', entry.uid).toString('latin1');
    assert.ok(stored.endsWith(sent), 'byte-exact after the prepended trace headers');
    const trace = stored.slice(0, stored.length - sent.length);
    assert.match(trace, /^Return-Path: <carol@remote\.test>\r\n/);
    assert.match(trace, /Authentication-Results: mx\.petrel\.test;[\s\S]*spf=[\s\S]*dmarc=/);
    assert.match(trace, /Received: from python\.test \(.*\[127\.0\.0\.1\]\)\r\n\tby mx\.petrel\.test \(Petrel\) with ESMTP id /);
  });

  test('MX: unknown users, other domains and oversize messages are refused with the right codes', () => {
    const unknown = python(SMTPLIB_SEND, [String(server.ports.smtp), 'x@remote.test', 'nobody@flow.test'], 'Subject: x\r\n\r\nx\r\n');
    assert.match(unknown.output, /^RCPT 550 5\.1\.1 /, unknown.output);
    const relay = python(SMTPLIB_SEND, [String(server.ports.smtp), 'x@remote.test', 'someone@elsewhere.test'], 'Subject: x\r\n\r\nx\r\n');
    assert.match(relay.output, /^RCPT 554 5\.7\.1 /, relay.output);
    const big = python(SMTPLIB_SEND, [String(server.ports.smtp), 'x@remote.test', 'alice@flow.test'], `Subject: big\r\n\r\n${'y'.repeat(250_000)}\r\n`);
    assert.match(big.output, /^ERR 552 /, big.output);
    assert.equal(list(server, 'alice@flow.test').filter((e) => e.subject === 'big').length, 0);
  });

  test('MX: a full mailbox answers 452 4.2.2 and stores nothing; the mail is not lost, the sender retries', () => {
    const first = swaks(['--server', `127.0.0.1:${server.ports.smtp}`, '--from', 'x@remote.test', '--to', 'bob@flow.test', '--header', 'Subject: fills bob', '--body', 'z'.repeat(25_000)]);
    assert.match(first.output, /<\*\* 452 4\.2\.2 /, first.output.slice(-600));
    assert.equal(list(server, 'bob@flow.test').length, 0);
  });

  test('MX: EHLO over STARTTLS with swaks; the extensions a sender needs are offered, AUTH is not', () => {
    const result = swaks(['--server', `127.0.0.1:${server.ports.smtp}`, '--tls', '--from', 'x@remote.test', '--to', 'info@flow.test', '--header', 'Subject: via tls alias']);
    assert.equal(result.status, 0, result.output);
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'STARTTLS', 'SIZE 200000']) assert.match(result.output, new RegExp(`<- {2}250[- ]${ext}`), ext);
    assert.doesNotMatch(result.output, /250[- ]AUTH/);
    assert.ok(list(server, 'alice@flow.test').some((e) => e.subject === 'via tls alias'), 'alias delivered to alice');
  });

  test('submission: swaks AUTH over STARTTLS; DKIM-signed local delivery and a Sent copy', () => {
    const result = swaks([
      '--server', `127.0.0.1:${server.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', 'alice@flow.test', '--auth-password', 'alice-password',
      '--from', 'alice@flow.test', '--to', 'bob@flow.test', '--header', 'Subject: hi bob',
    ]);
    assert.equal(result.status, 0, result.output);
    const received = list(server, 'bob@flow.test').find((e) => e.subject === 'hi bob');
    assert.ok(received);
    assert.match(show(server, 'bob@flow.test', received.uid).toString(), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=flow\.test;/);
    const sent = list(server, 'alice@flow.test', 'Sent').find((e) => e.subject === 'hi bob');
    assert.deepEqual(sent?.flags, ['\\Seen']);
  });

  test('submission: wrong password, no AUTH and someone else\'s address are refused', () => {
    const base = ['--server', `127.0.0.1:${server.ports.submission}`, '--tls', '--to', 'bob@flow.test'];
    assert.match(swaks([...base, '--auth', 'LOGIN', '--auth-user', 'alice@flow.test', '--auth-password', 'wrong', '--from', 'alice@flow.test']).output, /<~\* {1}535 5\.7\.8 /);
    assert.match(swaks([...base, '--from', 'alice@flow.test']).output, /<~\* {1}530 5\.7\.0 /);
    assert.match(
      swaks([...base, '--auth', 'PLAIN', '--auth-user', 'alice@flow.test', '--auth-password', 'alice-password', '--from', 'bob@flow.test']).output,
      /<~\* {1}553 5\.7\.1 /,
    );
  });

  test('submission: nodemailer over implicit TLS (465) from an alias', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.submissions, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'alice@flow.test', pass: 'alice-password' } });
    const info = await transport.sendMail({ from: 'Info desk <info@flow.test>', to: 'bob@flow.test', subject: 'from nodemailer', text: 'Über alles: ünïcödé body' });
    transport.close();
    assert.deepEqual(info.accepted, ['bob@flow.test']);
    assert.ok(list(server, 'bob@flow.test').some((e) => e.subject === 'from nodemailer'));
  });

  test('LMTP: swaks --protocol LMTP gets one reply per recipient; the full mailbox alone is refused', () => {
    const result = swaks(['--protocol', 'LMTP', '--server', `127.0.0.1:${server.ports.lmtp}`, '--from', 'x@remote.test', '--to', 'alice@flow.test,bob@flow.test', '--header', 'Subject: via lmtp', '--body', 'q'.repeat(25_000)]);
    assert.match(result.output, /<- {2}250 2\.0\.0 <alice@flow\.test> delivered/, result.output.slice(-600));
    assert.match(result.output, /<\*\* 452 4\.2\.2 /, result.output.slice(-600));
    assert.ok(list(server, 'alice@flow.test').some((e) => e.subject === 'via lmtp'));
    assert.ok(!list(server, 'bob@flow.test').some((e) => e.subject === 'via lmtp'));
  });
});
