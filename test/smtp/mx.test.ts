// The MX port (RFC 5321) against clients we did not write: python smtplib, swaks, and a raw
// socket for what no polite client sends. One server for the file, with a small size limit and
// DNS answers for the SPF/DMARC cases; each test uses its own recipient or subject.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { swaks } from '../helpers/peers.ts';
import { dnsOverridesToml } from '../helpers/petrel-cli.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { assertStoredSuffix, findBySubject, listMail, showMail, smtplibSend } from '../helpers/smtp-peers.ts';
import { SmtpSession } from '../helpers/smtp-session.ts';

const MAX_SIZE = 100_000;
const DOMAIN = 'mx.test';

function message(subject: string, from = 'sender@remote.test', body = 'Hello.\r\n'): Buffer {
  return Buffer.from(`From: <${from}>\r\nTo: <alice@${DOMAIN}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\n${body}`, 'utf8');
}

describe('MX listener with real SMTP clients', () => {
  let server: RunningPetrel;
  let work: string;
  const mx = () => ({ port: server.ports.smtp });
  const swaksMx = () => ['--server', `127.0.0.1:${server.ports.smtp}`, '--ehlo', 'swaks.test'];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-mx-'));
    const dns = dnsOverridesToml({
      // p=reject and an SPF record that fails everyone: a forged evil.test must be refused.
      '_dmarc.evil.test': { TXT: ['v=DMARC1; p=reject'] },
      'evil.test': { TXT: ['v=spf1 -all'] },
      // No DMARC record at all, SPF allows loopback: accepted, results recorded.
      'friendly.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    });
    server = await startPetrel({ configToml: `[smtp]\nmax_message_size = ${MAX_SIZE}\n\n${dns}` });
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    for (const user of ['alice', 'bob', 'carol', 'dave']) petrelOk(['user', 'add', `${user}@${DOMAIN}`, '--password', 'secret-pass', ...server.args]);
  });
  after(async () => {
    await server?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  test('python smtplib delivers; stored bytes are the sent bytes under trace headers only', () => {
    const sent = message('mx smtplib plain', 'sender@remote.test', 'Hello Alice.\r\n.a line that smtplib dot-stuffs\r\n..two dots\r\n');
    const result = smtplibSend({ ...mx(), from: 'sender@remote.test', to: [`alice@${DOMAIN}`] }, sent);
    assert.equal(result.status, 'ok', result.raw);
    const entry = findBySubject(server, `alice@${DOMAIN}`, 'mx smtplib plain');
    const trace = assertStoredSuffix(showMail(server, `alice@${DOMAIN}`, entry.uid), sent, 'smtplib message');
    assert.match(trace, /^Return-Path: <sender@remote\.test>\r\n/);
    assert.match(trace, /\r\nReceived: from python\.test \([^)]*\[127\.0\.0\.1\]\)\r\n\tby mx\.petrel\.test \(Petrel\) with ESMTP id /);
    assert.match(trace, /Authentication-Results: mx\.petrel\.test;/);
  });

  test('swaks delivers a message file byte-exact', () => {
    const sent = message('mx swaks file', 'swaks@remote.test', 'Body from swaks.\r\n.leading dot\r\n');
    const file = join(work, 'swaks.eml');
    // swaks ends the data with its own CRLF before the dot, so the file leaves the last one out.
    writeFileSync(file, sent.subarray(0, sent.length - 2));
    const result = swaks([...swaksMx(), '--from', 'swaks@remote.test', '--to', `alice@${DOMAIN}`, '--data', `@${file}`]);
    assert.equal(result.status, 0, result.output);
    const entry = findBySubject(server, `alice@${DOMAIN}`, 'mx swaks file');
    const trace = assertStoredSuffix(showMail(server, `alice@${DOMAIN}`, entry.uid), sent, 'swaks message');
    assert.match(trace, /Received: from swaks\.test /);
  });

  test('unknown user is refused at RCPT with 550 5.1.1', () => {
    const result = smtplibSend({ ...mx(), from: 'x@remote.test', to: [`nobody@${DOMAIN}`] }, message('to nobody'));
    assert.equal(result.status, 'rcpt', result.raw);
    assert.equal(result.code, 550);
    assert.match(result.message!, /^5\.1\.1 /);
  });

  test('no open relay: another domain is refused at RCPT with 554 5.7.1', () => {
    const result = smtplibSend({ ...mx(), from: 'x@remote.test', to: ['someone@elsewhere.test'] }, message('relay attempt'));
    assert.equal(result.status, 'rcpt', result.raw);
    assert.equal(result.code, 554);
    assert.match(result.message!, /^5\.7\.1 /);
    const viaSwaks = swaks([...swaksMx(), '--from', 'x@remote.test', '--to', 'victim@gmail.com']);
    assert.match(viaSwaks.output, /<\*\* 554 5\.7\.1 /, viaSwaks.output);
  });

  test('over the size limit: 552 whether declared with SIZE or only found in DATA; nothing stored', async () => {
    const big = message('too big', 'x@remote.test', `${'y'.repeat(120)}\r\n`.repeat(1000));
    // smtplib declares SIZE=n (RFC 1870), so the refusal comes at MAIL FROM.
    const declared = smtplibSend({ ...mx(), from: 'x@remote.test', to: [`alice@${DOMAIN}`] }, big);
    assert.equal(declared.status, 'error', declared.raw);
    assert.equal(declared.code, 552);
    // A client that does not declare a size learns it after the final dot (RFC 1870 §6.3).
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      assert.equal((await session.command('EHLO raw.test')).code, 250);
      assert.equal((await session.command('MAIL FROM:<x@remote.test>')).code, 250);
      assert.equal((await session.command(`RCPT TO:<alice@${DOMAIN}>`)).code, 250);
      const { end } = await session.data(big);
      assert.match(end?.text ?? '', /^552 5\.3\.4 /);
      // The session is still usable after the refusal.
      assert.equal((await session.command('RSET')).code, 250);
    } finally {
      await session.close();
    }
    assert.equal(listMail(server, `alice@${DOMAIN}`).filter((e) => e.subject === 'too big').length, 0);
  });

  test('STARTTLS with swaks --tls and smtplib starttls; the Received line says ESMTPS', () => {
    const viaSwaks = swaks([...swaksMx(), '--tls', '--from', 'x@remote.test', '--to', `alice@${DOMAIN}`, '--header', 'Subject: mx swaks tls']);
    assert.equal(viaSwaks.status, 0, viaSwaks.output);
    assert.match(viaSwaks.output, /=== TLS started/);
    const sent = message('mx smtplib tls');
    const viaPython = smtplibSend({ ...mx(), starttls: true, from: 'x@remote.test', to: [`alice@${DOMAIN}`] }, sent);
    assert.equal(viaPython.status, 'ok', viaPython.raw);
    assert.equal(viaPython.tls, true);
    assert.equal(viaPython.features?.starttls, undefined, 'STARTTLS is not offered again once TLS is on (RFC 3207 §4.2)');
    const entry = findBySubject(server, `alice@${DOMAIN}`, 'mx smtplib tls');
    const trace = assertStoredSuffix(showMail(server, `alice@${DOMAIN}`, entry.uid), sent, 'TLS message');
    assert.match(trace, / with ESMTPS id /);
    findBySubject(server, `alice@${DOMAIN}`, 'mx swaks tls');
  });

  test('EHLO offers what a sending MTA needs, and no AUTH on the MX port', async () => {
    const { session, greeting } = await SmtpSession.open(server.ports.smtp);
    try {
      assert.equal(greeting.code, 220);
      const ehlo = await session.command('EHLO probe.test');
      assert.equal(ehlo.code, 250);
      const keywords = ehlo.text.split('\n').slice(1).map((line) => line.slice(4));
      for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'STARTTLS', 'ENHANCEDSTATUSCODES']) assert.ok(keywords.includes(ext), `${ext} in ${keywords.join(', ')}`);
      assert.ok(keywords.includes(`SIZE ${MAX_SIZE}`), `SIZE ${MAX_SIZE} in ${keywords.join(', ')}`);
      assert.ok(!keywords.some((k) => k.startsWith('AUTH')), 'no AUTH on port 25');
      const auth = await session.command('AUTH PLAIN AGFsaWNlQG14LnRlc3QAc2VjcmV0LXBhc3M=');
      assert.ok(auth.code >= 500, `AUTH is refused: ${auth.text}`);
    } finally {
      await session.close();
    }
  });

  test('PIPELINING: a whole transaction in one write gets its replies in order', async () => {
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      await session.command('EHLO pipe.test');
      session.write(`MAIL FROM:<pipe@remote.test>\r\nRCPT TO:<alice@${DOMAIN}>\r\nRCPT TO:<nobody@${DOMAIN}>\r\nDATA\r\n`);
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await session.next()).code);
      assert.deepEqual(codes, [250, 250, 550, 354]);
      session.write('Subject: mx pipelined\r\n\r\npipelined\r\n.\r\n');
      assert.equal((await session.next()).code, 250);
    } finally {
      await session.close();
    }
    findBySubject(server, `alice@${DOMAIN}`, 'mx pipelined');
  });

  test('SMTPUTF8: raw UTF-8 in the address and headers is stored byte-exact', () => {
    const sent = Buffer.from(
      'From: Jürgen Größe <jürgen@bücher.test>\r\nTo: Zoë <alice@mx.test>\r\nSubject: mx Grüße aus Köln — 東京 🚀\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÄÖÜ ß 東京 — raw 8-bit body\r\n',
      'utf8',
    );
    const result = smtplibSend({ ...mx(), from: 'jürgen@bücher.test', to: [`alice@${DOMAIN}`], mailOptions: ['SMTPUTF8', 'BODY=8BITMIME'] }, sent);
    assert.equal(result.status, 'ok', result.raw);
    const entry = findBySubject(server, `alice@${DOMAIN}`, 'mx Grüße aus Köln — 東京 🚀');
    const trace = assertStoredSuffix(showMail(server, `alice@${DOMAIN}`, entry.uid), sent, 'UTF-8 message');
    assert.match(Buffer.from(trace, 'latin1').toString('utf8'), /^Return-Path: <jürgen@bücher\.test>\r\n/);
  });

  test('a non-ASCII address without SMTPUTF8 gets 553 5.6.7 (RFC 6531 §3.4), in MAIL and in RCPT', async () => {
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      await session.command('EHLO ascii.test');
      const mail = await session.command('MAIL FROM:<jürgen@bücher.test>');
      assert.equal(mail.code, 553, mail.text);
      assert.match(mail.text, /^553 5\.6\.7 /);
      assert.equal((await session.command('MAIL FROM:<x@remote.test>')).code, 250);
      const rcpt = await session.command(`RCPT TO:<jürgen@${DOMAIN}>`);
      assert.equal(rcpt.code, 553, rcpt.text);
      assert.match(rcpt.text, /^553 5\.6\.7 /);
      await session.command('RSET');
      // With SMTPUTF8 the same address is merely unknown here.
      assert.equal((await session.command('MAIL FROM:<jürgen@bücher.test> SMTPUTF8')).code, 250);
      assert.equal((await session.command(`RCPT TO:<jürgen@${DOMAIN}>`)).code, 550);
    } finally {
      await session.close();
    }
  });

  test('a mailbox at its quota gets 452 4.2.2 at RCPT and nothing is stored', () => {
    const first = smtplibSend({ ...mx(), from: 'x@remote.test', to: [`bob@${DOMAIN}`] }, message('fills bob', 'x@remote.test', `${'z'.repeat(100)}\r\n`.repeat(20)));
    assert.equal(first.status, 'ok', first.raw);
    petrelOk(['user', 'quota', `bob@${DOMAIN}`, '1K', ...server.args]);
    const refused = smtplibSend({ ...mx(), from: 'x@remote.test', to: [`bob@${DOMAIN}`] }, message('bob over quota'));
    assert.equal(refused.status, 'rcpt', refused.raw);
    assert.equal(refused.code, 452, 'temporary: the sender keeps the message and retries');
    assert.match(refused.message!, /^4\.2\.2 /);
    const viaSwaks = swaks([...swaksMx(), '--from', 'x@remote.test', '--to', `bob@${DOMAIN}`, '--header', 'Subject: bob over quota']);
    assert.match(viaSwaks.output, /<\*\* 452 4\.2\.2 /, viaSwaks.output);
    assert.deepEqual(listMail(server, `bob@${DOMAIN}`).map((e) => e.subject), ['fills bob']);
  });

  test('garbage and out-of-order commands get 5xx; the session and the server survive', async () => {
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      assert.equal((await session.command('MAIL FROM:<early@remote.test>')).code, 503, 'MAIL before EHLO');
      assert.equal((await session.command('EHLO garbage.test')).code, 250);
      const garbage: [string | Buffer, number][] = [
        ['HELLO THERE', 500],
        [Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x20, 0x41]), 500],
        [`RCPT TO:<alice@${DOMAIN}>`, 503], // no MAIL yet
        ['DATA', 503], // no recipients
        ['MAIL FROM:not an address', 501],
        ['MAIL FROM:<a@remote.test> BODY=FOO', 501],
        // RFC 5321 §4.1.1.11: a parameter we never advertised is refused, not ignored.
        ['MAIL FROM:<a@remote.test> FROBNICATE=1', 555],
      ];
      for (const [line, code] of garbage) {
        const reply = await session.command(line);
        assert.equal(reply.code, code, `${JSON.stringify(line.toString())} → ${reply.text}`);
      }
      assert.equal((await session.command('MAIL FROM:<garbage@remote.test>')).code, 250);
      assert.equal((await session.command(`RCPT TO:<alice@${DOMAIN}> FOO=bar`)).code, 555);
      // After all that the same session still delivers.
      assert.equal((await session.command(`RCPT TO:<alice@${DOMAIN}>`)).code, 250);
      assert.equal((await session.data(message('mx after garbage'))).end?.code, 250);
    } finally {
      await session.close();
    }
    // An over-long line or an HTTP request ends the session with 421, never the server.
    for (const abuse of [`NOOP ${'x'.repeat(100_000)}`, 'GET / HTTP/1.1']) {
      const { session: s } = await SmtpSession.open(server.ports.smtp);
      const reply = await s.command(abuse);
      assert.equal(reply.code, 421, `${abuse.slice(0, 20)} → ${reply.text}`);
      await s.close();
    }
    const again = smtplibSend({ ...mx(), from: 'x@remote.test', to: [`alice@${DOMAIN}`] }, message('mx server survived'));
    assert.equal(again.status, 'ok', again.raw);
    findBySubject(server, `alice@${DOMAIN}`, 'mx after garbage');
  });

  test('postmaster is always accepted (RFC 5321 §4.5.1), with and without a domain, and reaches a real mailbox', async () => {
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      await session.command('EHLO pm.test');
      assert.equal((await session.command('MAIL FROM:<x@remote.test>')).code, 250);
      assert.equal((await session.command(`RCPT TO:<Postmaster@${DOMAIN}>`)).code, 250);
      assert.equal((await session.command('RCPT TO:<POSTMASTER>')).code, 250);
      assert.equal((await session.data(message('mx to postmaster'))).end?.code, 250);
    } finally {
      await session.close();
    }
    // Nobody was made postmaster and no user is an administrator: the domain's first user reads it, once.
    assert.equal(listMail(server, `alice@${DOMAIN}`).filter((e) => e.subject === 'mx to postmaster').length, 1);

    petrelOk(['alias', 'add', `postmaster@${DOMAIN}`, `dave@${DOMAIN}`, ...server.args]);
    const result = smtplibSend({ ...mx(), from: 'x@remote.test', to: ['postmaster'] }, message('mx to named postmaster'));
    assert.equal(result.status, 'ok', result.raw);
    findBySubject(server, `dave@${DOMAIN}`, 'mx to named postmaster');
  });

  test('STARTTLS injection: plaintext pipelined after STARTTLS is discarded (RFC 3207 §6)', async () => {
    const { session } = await SmtpSession.open(server.ports.smtp);
    try {
      await session.command('EHLO inject.test');
      // One write: the commands after STARTTLS must not be run inside the TLS session.
      session.write(`STARTTLS\r\nMAIL FROM:<inject@remote.test>\r\n`);
      assert.equal((await session.next()).code, 220);
      await session.upgrade();
      const ehlo = await session.command('EHLO inject.test');
      assert.equal(ehlo.code, 250, 'the first reply over TLS answers our EHLO, not the injected MAIL');
      assert.ok(session.encrypted);
      assert.equal((await session.command(`RCPT TO:<alice@${DOMAIN}>`)).code, 503, 'the injected MAIL FROM did not start a transaction');
    } finally {
      await session.close();
    }
  });

  test('DMARC p=reject with failing SPF: 550 5.7.1 and nothing stored', () => {
    const sent = message('mx evil', 'x@evil.test');
    const result = smtplibSend({ ...mx(), from: 'x@evil.test', to: [`carol@${DOMAIN}`] }, sent);
    assert.equal(result.status, 'error', result.raw);
    assert.equal(result.code, 550);
    assert.match(result.message!, /^5\.7\.1 .*DMARC/);
    assert.equal(listMail(server, `carol@${DOMAIN}`).length, 0);
  });

  test('a domain without a DMARC policy is accepted with spf, dkim and dmarc results recorded', () => {
    const sent = message('mx friendly', 'news@friendly.test');
    const result = smtplibSend({ ...mx(), from: 'news@friendly.test', to: [`dave@${DOMAIN}`] }, sent);
    assert.equal(result.status, 'ok', result.raw);
    const entry = findBySubject(server, `dave@${DOMAIN}`, 'mx friendly');
    const trace = assertStoredSuffix(showMail(server, `dave@${DOMAIN}`, entry.uid), sent, 'friendly message');
    const results = /Authentication-Results: mx\.petrel\.test;[^\r]*(?:\r\n[ \t][^\r]*)*/.exec(trace)?.[0] ?? '';
    assert.match(results, /spf=pass/, trace);
    assert.match(results, /dkim=none/, trace);
    assert.match(results, /dmarc=none/, trace);
    assert.match(trace, /Received-SPF: pass/);
  });

  test('a forged Authentication-Results with our authserv-id is removed before ours is added', () => {
    const forged = 'Authentication-Results: mx.petrel.test; spf=pass; dkim=pass; dmarc=pass\r\n';
    const rest = message('mx forged results', 'x@evil-free.test');
    const result = smtplibSend({ ...mx(), from: 'x@evil-free.test', to: [`dave@${DOMAIN}`] }, Buffer.concat([Buffer.from(forged), rest]));
    assert.equal(result.status, 'ok', result.raw);
    const entry = findBySubject(server, `dave@${DOMAIN}`, 'mx forged results');
    const stored = showMail(server, `dave@${DOMAIN}`, entry.uid).toString('latin1');
    assert.ok(!stored.includes(forged), 'the forged header is gone');
    assert.ok(stored.endsWith(rest.toString('latin1')), 'the rest is untouched');
  });
});
