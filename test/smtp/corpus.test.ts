// Every message of the shared MIME corpus, and three generated extremes, through the MX port with
// python smtplib: each must be accepted, listed, and stored as exactly the bytes that were sent
// with only trace fields in front. The extremes are built here, never committed as files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { assertStoredSuffix, listMail, showMail, smtplibSendFiles, toCrlf, type Listed } from '../helpers/smtp-peers.ts';

const CORPUS = join(ROOT, '../shared/corpus/mime');
const RECIPIENT = 'corpus@corpus.test';
const SENDER = 'corpus@remote.test';

interface Case {
  name: string;
  data: Buffer;
  /** The subject `mail list` must show, for the generated messages whose subject we know. */
  subject?: string;
  mailOptions?: string[];
}

function corpusCases(): Case[] {
  const cases: Case[] = [];
  for (const dir of ['rfc', 'legacy', 'malformed']) {
    for (const file of readdirSync(join(CORPUS, dir)).filter((f) => f.endsWith('.eml')).sort()) {
      cases.push({ name: `${dir}/${file}`, data: toCrlf(readFileSync(join(CORPUS, dir, file))) });
    }
  }
  return cases;
}

/** Raw UTF-8 in headers (RFC 6532), sent with SMTPUTF8 as RFC 6531 requires for it. */
function eightBitHeaders(): Case {
  const subject = 'Grüße aus Köln — 東京 🚀 ÆØÅ';
  const data = Buffer.from(
    `From: Jürgen Größe <jürgen@bücher.test>\r\nTo: Zoë Ångström <${RECIPIENT}>\r\nSubject: ${subject}\r\n` +
      'Message-ID: <utf8-extreme@remote.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      'Content-Transfer-Encoding: 8bit\r\nX-Ünïcödé: värde — 値\r\n\r\nÄÖÜ ß 東京 🚀 raw 8-bit body\r\n',
    'utf8',
  );
  return { name: 'generated: 8-bit UTF-8 headers', data, subject, mailOptions: ['SMTPUTF8', 'BODY=8BITMIME'] };
}

/** Over 50 MiB on the wire, under the default 64 MiB limit; random bytes so nothing compresses it away. */
function fiftyMegabytes(): Case {
  const base64 = randomBytes(37 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
  const subject = 'fifty megabytes';
  const data = Buffer.from(
    `From: <big@remote.test>\r\nTo: <${RECIPIENT}>\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n` +
      '--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n' +
      '--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="big.bin"\r\n\r\n' +
      `${base64}\r\n--b--\r\n`,
    'latin1',
  );
  assert.ok(data.length > 50 * 1024 * 1024, `the message is over 50 MiB (${data.length})`);
  return { name: 'generated: 50 MiB base64 attachment', data, subject };
}

function tenThousandParts(): Case {
  const parts = Array.from({ length: 10_000 }, (_, i) => `--p\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-ID: <part${i}@remote.test>\r\n\r\npart ${i}\r\n`).join('');
  const subject = 'ten thousand parts';
  const data = Buffer.from(`From: <parts@remote.test>\r\nTo: <${RECIPIENT}>\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n${parts}--p--\r\n`, 'latin1');
  return { name: 'generated: 10,000-part multipart', data, subject };
}

describe('MIME corpus and generated extremes over the MX port, stored byte for byte', () => {
  let server: RunningPetrel;
  let work: string;
  let cases: Case[];
  let listed: Listed[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-smtp-corpus-'));
    // Default configuration, so the 50 MiB message meets the default size limit.
    server = await startPetrel();
    petrelOk(['domain', 'add', 'corpus.test', ...server.args]);
    petrelOk(['user', 'add', RECIPIENT, '--password', 'secret-pass', ...server.args]);
  });
  after(async () => {
    await server?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('every message is accepted with 250, in one session', { timeout: 600_000 }, () => {
    const corpus = corpusCases();
    const expected = ['rfc', 'legacy', 'malformed'].reduce((n, dir) => n + readdirSync(join(CORPUS, dir)).filter((f) => f.endsWith('.eml')).length, 0);
    assert.equal(corpus.length, expected, 'no corpus file skipped');
    assert.ok(corpus.length > 0, 'the corpus is there');
    cases = [...corpus, eightBitHeaders(), fiftyMegabytes(), tenThousandParts()];
    const messages = cases.map((c, i) => {
      const path = join(work, `${String(i).padStart(4, '0')}.eml`);
      writeFileSync(path, c.data);
      return { path, mailOptions: c.mailOptions };
    });
    const { results, raw } = smtplibSendFiles({ port: server.ports.smtp, from: SENDER, to: [RECIPIENT], messages });
    assert.equal(results.length, cases.length, `a result for every message: ${raw.slice(-2000)}`);
    const refused = results.filter((r) => r.status !== 'ok').map((r) => `${cases[r.i].name}: ${r.code} ${r.message}`);
    assert.deepEqual(refused, [], 'nothing refused');
  });

  test('mail list shows every message once, with the generated subjects', { timeout: 120_000 }, () => {
    assert.ok(cases, 'the sending test ran');
    listed = listMail(server, RECIPIENT).sort((a, b) => a.uid - b.uid);
    assert.equal(listed.length, cases.length, 'listed count equals sent count');
    cases.forEach((c, i) => {
      if (c.subject) assert.equal(listed[i].subject, c.subject, `${c.name}: subject as listed`);
    });
  });

  test('mail show of each is the sent bytes under trace headers only', { timeout: 600_000 }, () => {
    assert.ok(listed, 'the listing test ran');
    cases.forEach((c, i) => {
      // One session, one message after the other: UIDs follow sending order.
      const trace = assertStoredSuffix(showMail(server, RECIPIENT, listed[i].uid), c.data, c.name);
      assert.match(trace, new RegExp(`^Return-Path: <${SENDER}>\\r\\n`), `${c.name}: Return-Path`);
      assert.match(trace, /\r\nReceived: from corpus\.python\.test /, `${c.name}: Received`);
    });
  });
});
