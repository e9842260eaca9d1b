// RFC 5321 §4.4: a message delivered into a mailbox starts with Return-Path: <reverse-path>. The
// local recipients of a submission get one like MX and LMTP deliveries do; the sender's Sent copy,
// which is a record of what was sent and not a delivery, stays the message as sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { findBySubject, listMail, showMail, smtplibSend } from '../helpers/smtp-peers.ts';

const ALICE = 'alice@rp.test';
const BOB = 'bob@rp.test';
const CAROL = 'carol@rp.test';
const PASSWORD = 'secret-pass';

function message(subject: string, body = 'Hello.'): Buffer {
  return Buffer.from(
    `From: <${ALICE}>\r\nTo: <${BOB}>\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@rp.test>\r\n\r\n${body}\r\n`,
  );
}

describe('Return-Path on the local copies of a submission', () => {
  let server: RunningPetrel;
  const submit = (from: string, to: string[], data: Buffer) => smtplibSend({ port: server.ports.submission, login: [from, PASSWORD], from, to }, data);

  before(async () => {
    server = await startPetrel();
    petrelOk(['domain', 'add', 'rp.test', ...server.args]);
    for (const user of [ALICE, BOB, CAROL]) petrelOk(['user', 'add', user, '--password', PASSWORD, ...server.args]);
  });
  after(() => server?.destroy());

  test('each local recipient’s copy starts with Return-Path: <envelope sender>; the Sent copy does not', () => {
    const result = submit(ALICE, [BOB, CAROL], message('rp local'));
    assert.equal(result.status, 'ok', result.raw);
    const sent = showMail(server, ALICE, findBySubject(server, ALICE, 'rp local', 'Sent').uid, 'Sent');
    assert.match(sent.toString('latin1'), /^DKIM-Signature: /, 'the Sent copy is the signed message as sent');
    assert.doesNotMatch(sent.toString('latin1'), /(^|\r\n)Return-Path:/i);
    for (const recipient of [BOB, CAROL]) {
      const stored = showMail(server, recipient, findBySubject(server, recipient, 'rp local').uid);
      const field = `Return-Path: <${ALICE}>\r\n`;
      assert.equal(stored.subarray(0, field.length).toString('latin1'), field, `${recipient}: Return-Path first`);
      assert.ok(stored.subarray(field.length).equals(sent), `${recipient}: the rest is the message as sent`);
    }
  });

  test('the envelope sender is what Return-Path names, not the From: field', () => {
    petrelOk(['alias', 'add', 'info@rp.test', ALICE, ...server.args]);
    const result = smtplibSend({ port: server.ports.submission, login: [ALICE, PASSWORD], from: 'info@rp.test', to: [BOB] }, message('rp envelope'));
    assert.equal(result.status, 'ok', result.raw);
    const stored = showMail(server, BOB, findBySubject(server, BOB, 'rp envelope').uid).toString('latin1');
    assert.match(stored, /^Return-Path: <info@rp\.test>\r\nDKIM-Signature: /);
  });

  test('a Sent copy refused for quota takes the recipients’ copies back with it: all or nothing', () => {
    petrelOk(['user', 'quota', ALICE, '2k', ...server.args]);
    const big = message('rp over quota', 'x'.repeat(4000));
    const result = submit(ALICE, [BOB], big);
    assert.equal(result.status, 'error', result.raw);
    assert.equal(result.code, 452, result.raw);
    assert.ok(!listMail(server, BOB).some((e) => e.subject === 'rp over quota'), 'Bob got no copy of a refused message');
    assert.ok(!listMail(server, ALICE, 'Sent').some((e) => e.subject === 'rp over quota'));
    petrelOk(['user', 'quota', ALICE, '0', ...server.args]);
    const retried = submit(ALICE, [BOB], big);
    assert.equal(retried.status, 'ok', retried.raw);
    findBySubject(server, BOB, 'rp over quota');
  });
});
