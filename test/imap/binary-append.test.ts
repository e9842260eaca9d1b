import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeBinaryParts } from '../../src/imap/binary-append.ts';
import { decodePartBody, parseMessage } from '../../src/mail/mime/index.ts';

test('a part with NUL bytes appended as binary is stored base64-encoded, its content unchanged', () => {
  const content = Buffer.from([0x20, 0x00, 0x2d, 0x80, 0x0d, 0x0a]);
  const raw = Buffer.concat([
    Buffer.from('From: user@domain.org\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
    content,
  ]);
  const stored = encodeBinaryParts(raw);
  assert.ok(!stored.includes(0), 'no NUL is left for BODY[] to carry');
  const parsed = parseMessage(stored);
  assert.equal(parsed.body.encoding, 'base64');
  assert.deepEqual(decodePartBody(stored, parsed.body), content);
});

test('inside a multipart only the part with NUL changes; one without a CTE field gets one', () => {
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/x-bin\r\n\r\na\u0000b\r\n--b--\r\n',
    'latin1',
  );
  const stored = encodeBinaryParts(raw);
  const parsed = parseMessage(stored);
  const [text, bin] = parsed.body.parts;
  assert.equal(text.encoding, '7bit');
  assert.equal(stored.subarray(text.bodyStart, text.end).toString(), 'hello');
  assert.equal(bin.encoding, 'base64');
  assert.deepEqual(decodePartBody(stored, bin), Buffer.from('a\u0000b', 'latin1'));
});

test('a message without NUL is stored exactly as sent', () => {
  const raw = Buffer.from('Subject: x\r\n\r\n\u00e9\r\n', 'latin1');
  assert.equal(encodeBinaryParts(raw), raw);
});
