// Send-as and send-on-behalf on submission (python smtplib and nodemailer): a member with send-as
// may put the shared address in From:; one with send-on-behalf only with Sender: themselves
// (RFC 5322 §3.6.2), which Petrel adds when missing; anyone else is refused with 5.7.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';

import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { findBySubject, showMail, smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'send.test';
const SUPPORT = `support@${DOMAIN}`;
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;
const DAVE = `dave@${DOMAIN}`;
const PASSWORD = 'send-as-secret';

function message(subject: string, headers: string[]): Buffer {
  return Buffer.from([...headers, `To: <${DAVE}>`, `Subject: ${subject}`, 'Date: Mon, 23 Nov 2026 12:00:00 +0000', `Message-ID: <${subject.replace(/\W/g, '-')}@send.test>`, '', 'Your ticket is solved.', ''].join('\r\n'));
}

describe('send-as and send-on-behalf on submission', () => {
  let server: RunningPetrel;
  const send = (user: string, mailFrom: string, data: Buffer) => smtplibSend({ port: server.ports.submissions, ssl: true, login: [user, PASSWORD], from: mailFrom, to: [DAVE] }, data);

  before(async () => {
    server = await startPetrel();
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    for (const user of [ALICE, BOB, CAROL, DAVE]) petrelOk(['user', 'add', user, '--password', PASSWORD, ...server.args]);
    petrelOk(['shared', 'add', SUPPORT, '--member', ALICE, '--send-as', ...server.args]);
    petrelOk(['shared', 'member-add', SUPPORT, BOB, '--send-on-behalf', ...server.args]);
  });
  after(() => server?.destroy());

  test('send-as: alice sends From: support@ (and with it as MAIL FROM); no Sender is added', () => {
    const result = send(ALICE, SUPPORT, message('as support', [`From: Support <${SUPPORT}>`]));
    assert.equal(result.status, 'ok', result.raw);
    const stored = showMail(server, DAVE, findBySubject(server, DAVE, 'as support').uid).toString('latin1');
    assert.match(stored, /^From: Support <support@send\.test>\r$/m);
    assert.doesNotMatch(stored, /^Sender:/im);
    assert.equal(findBySubject(server, ALICE, 'as support', 'Sent').subject, 'as support', 'the copy goes to the sender\'s own Sent');
  });

  test('send-on-behalf: bob\'s message gets Sender: bob; a Sender naming someone else is refused', () => {
    const result = send(BOB, BOB, message('for support', [`From: <${SUPPORT}>`]));
    assert.equal(result.status, 'ok', result.raw);
    const stored = showMail(server, DAVE, findBySubject(server, DAVE, 'for support').uid).toString('latin1');
    assert.match(stored, /^Sender: bob@send\.test\r$/m, stored.slice(0, 600));
    assert.match(stored, /^From: <support@send\.test>\r$/m);

    const own = send(BOB, BOB, message('for support with sender', [`From: <${SUPPORT}>`, `Sender: <${BOB}>`]));
    assert.equal(own.status, 'ok', own.raw);
    const kept = showMail(server, DAVE, findBySubject(server, DAVE, 'for support with sender').uid).toString('latin1');
    assert.equal(kept.match(/^Sender:/gim)?.length, 1, 'the client\'s own Sender is kept, not doubled');

    const forged = send(BOB, BOB, message('forged sender', [`From: <${SUPPORT}>`, `Sender: <${CAROL}>`]));
    assert.equal(forged.status, 'error', forged.raw);
    assert.equal(forged.code, 550);
    assert.match(forged.message ?? '', /5\.7\.1 .*Sender/);
  });

  test('carol, without a send right, is refused at MAIL FROM (553 5.7.1) and at From: (550 5.7.1)', () => {
    const envelope = send(CAROL, SUPPORT, message('carol as support', [`From: <${SUPPORT}>`]));
    assert.equal(envelope.status, 'error', envelope.raw);
    assert.equal(envelope.code, 553);
    assert.match(envelope.message ?? '', /^5\.7\.1 /);
    const header = send(CAROL, CAROL, message('carol header', [`From: <${SUPPORT}>`]));
    assert.equal(header.status, 'error', header.raw);
    assert.equal(header.code, 550);
    assert.match(header.message ?? '', /^5\.7\.1 you may not send as support@send\.test/);
  });

  test('nodemailer sends as support@; once the right is withdrawn it is refused', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.submissions, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PASSWORD } });
    try {
      const info = await transport.sendMail({ from: `Support <${SUPPORT}>`, to: DAVE, subject: 'nodemailer as support', text: 'Solved.' });
      assert.deepEqual(info.accepted, [DAVE]);
      assert.match(showMail(server, DAVE, findBySubject(server, DAVE, 'nodemailer as support').uid).toString('latin1'), /^From: Support <support@send\.test>\r$/m);
      petrelOk(['shared', 'send-grant', SUPPORT, ALICE, '--revoke', ...server.args]);
      await assert.rejects(transport.sendMail({ from: SUPPORT, to: DAVE, subject: 'nodemailer after revoke', text: 'No.' }), (err: Error & { responseCode?: number }) => err.responseCode === 553);
    } finally {
      transport.close();
    }
  });
});
