import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { python } from '../helpers/peers.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

const CORPUS = join(ROOT, '../shared/corpus/mime');

// Sends each file in one SMTP session with python's smtplib, which does the dot-stuffing.
const SEND_FILES = `
import smtplib, sys
port, rcpt, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
with smtplib.SMTP('127.0.0.1', port, timeout=120) as s:
    for f in files:
        s.sendmail('corpus@remote.test', [rcpt], open(f, 'rb').read())
print('sent', len(files))
`;

/**
 * What an SMTP client transmits for a file: lines ending in CRLF (RFC 5321 §2.3.8), and a final
 * CRLF before the terminating dot when the file lacks one (§4.1.1.4).
 */
function toCrlf(data: Buffer): Buffer {
  const text = data.toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}

function storedMessage(server: RunningPetrel, address: string, uid: number): Buffer {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/petrel.js'), 'mail', 'show', address, String(uid), ...server.args], { maxBuffer: 200 * 1024 * 1024, timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr?.toString());
  return result.stdout;
}

function generatedExtremes(): { name: string; data: Buffer }[] {
  const eightBit = Buffer.from('From: Jürgen Größe <jg@remote.test>\r\nTo: Zoë <corpus@corpus.test>\r\nSubject: Grüße aus Köln — 東京 🚀\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nRaw UTF-8 in headers and body: ÄÖÜ ß 東京\r\n', 'utf8');
  const base64 = Buffer.alloc(37 * 1024 * 1024, 0x5a).toString('base64').replace(/.{76}/g, '$&\r\n');
  const huge = Buffer.from(`From: big@remote.test\r\nSubject: fifty megabytes\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n${base64}\r\n--b--\r\n`);
  const parts = Array.from({ length: 10_000 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
  const manyParts = Buffer.from(`From: parts@remote.test\r\nSubject: ten thousand parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n${parts}--p--\r\n`);
  return [
    { name: 'eight-bit-headers', data: eightBit },
    { name: 'fifty-megabytes', data: huge },
    { name: 'ten-thousand-parts', data: manyParts },
  ];
}

describe('every corpus message and generated extremes are delivered and stored byte for byte', () => {
  let server: RunningPetrel;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-corpus-'));
    server = await startPetrel();
    petrelOk(['domain', 'add', 'corpus.test', ...server.args]);
    petrelOk(['user', 'add', 'corpus@corpus.test', '--password', 'corpus-password', ...server.args]);
  });
  after(async () => {
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  test('corpus (rfc, legacy, malformed) and extremes over SMTP', { timeout: 300_000 }, () => {
    const messages: { name: string; data: Buffer }[] = [];
    for (const dir of ['rfc', 'legacy', 'malformed']) {
      for (const file of readdirSync(join(CORPUS, dir)).filter((f) => f.endsWith('.eml')).sort()) {
        messages.push({ name: `${dir}/${file}`, data: toCrlf(readFileSync(join(CORPUS, dir, file))) });
      }
    }
    assert.ok(messages.length >= 80, `the corpus is there (${messages.length} messages)`);
    messages.push(...generatedExtremes());
    const files = messages.map((m, i) => {
      const path = join(work, `${String(i).padStart(4, '0')}.eml`);
      writeFileSync(path, m.data);
      return path;
    });
    const sent = python(SEND_FILES, [String(server.ports.smtp), 'corpus@corpus.test', ...files]);
    assert.match(sent.output, new RegExp(`sent ${files.length}`), sent.output.slice(-2000));

    const listed = JSON.parse(petrelOk(['mail', 'list', 'corpus@corpus.test', '--json', ...server.args])) as { uid: number }[];
    assert.equal(listed.length, messages.length, 'every message is listed');
    messages.forEach((message, i) => {
      const stored = storedMessage(server, 'corpus@corpus.test', listed[i].uid);
      const tail = stored.subarray(stored.length - message.data.length);
      assert.ok(tail.equals(message.data), `${message.name}: stored bytes end with exactly the bytes sent`);
      assert.match(stored.subarray(0, stored.length - message.data.length).toString('latin1'), /^Return-Path: <corpus@remote\.test>\r\n[\s\S]*Received: /, `${message.name}: only trace headers prepended`);
    });
  });
});
