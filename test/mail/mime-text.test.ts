// Bodies as bytes and text: transfer encodings, charsets, preview, search text, attachments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePartBody, decodeText, findDisplayParts, parseMessage, partByPath, type BodyPart } from '../../src/mail/mime/index.ts';

const CORPUS = new URL('../../../shared/corpus/mime/', import.meta.url).pathname;

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

function single(headers: string, bodyBytes: Buffer | string): { raw: Buffer; part: BodyPart } {
  const raw = Buffer.concat([crlf(`${headers}\n\n`), Buffer.isBuffer(bodyBytes) ? bodyBytes : Buffer.from(bodyBytes, 'utf8')]);
  return { raw, part: parseMessage(raw).body };
}

test('quoted-printable: escapes, soft breaks, transport padding, stray "="', () => {
  const { raw, part } = single('Content-Transfer-Encoding: quoted-printable', 'a=3Db =C3=A9=\r\nsoft=  \r\ntrailing   \r\nlf=\nok =x= \n');
  assert.equal(decodePartBody(raw, part).toString('utf8'), 'a=b ésofttrailing\r\nlfok =x');
});

test('base64 with line breaks and junk; identity encodings untouched', () => {
  const { raw, part } = single('Content-Transfer-Encoding: base64', 'aGVs\r\nbG8g\r\nd29y*bGQ=\r\n');
  assert.equal(decodePartBody(raw, part).toString(), 'hello world');
  const plain = single('Content-Transfer-Encoding: 8bit', 'as is\r\n');
  assert.equal(decodePartBody(plain.raw, plain.part).toString(), 'as is\r\n');
});

test('x-uuencode gives the same bytes as base64 of the same file', () => {
  const uu = readFileSync(join(CORPUS, 'legacy/017.eml'));
  const b64 = readFileSync(join(CORPUS, 'legacy/008.eml'));
  const uuPart = partByPath(parseMessage(uu).body, '2') as BodyPart;
  const b64Part = partByPath(parseMessage(b64).body, '3') as BodyPart;
  assert.equal(uuPart.encoding, 'x-uuencode');
  assert.equal(b64Part.params.name, 'greenball.png');
  const png = decodePartBody(uu, uuPart);
  assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.deepEqual(png, decodePartBody(b64, b64Part));
});

test('charsets: declared, guessed, unknown and mislabelled', () => {
  const text = (contentType: string, bytes: Buffer): string => {
    const { raw, part } = single(`Content-Type: ${contentType}`, bytes);
    return decodeText(raw, part);
  };
  assert.equal(text('text/plain; charset=iso-8859-1', Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65])), 'Grüße');
  assert.equal(text('text/plain; charset=windows-1252', Buffer.from([0x93, 0x68, 0x69, 0x94, 0x80])), '“hi”€');
  assert.equal(text('text/plain; charset=koi8-r', Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4])), 'Привет');
  assert.equal(text('text/plain; charset=UTF-7', Buffer.from('Fr+APY-sche')), 'Frösche');
  assert.equal(text('text/plain; charset=iso-2022-jp', Buffer.from('1b2442246f1b2842', 'hex')), 'わ');
  assert.equal(text('text/plain; charset=x-no-such-charset', Buffer.from('Grüße', 'utf8')), 'Grüße');
  assert.equal(text('text/plain', Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65])), 'Grüße', 'undeclared 8-bit that is not UTF-8');
  assert.equal(text('text/plain; charset=us-ascii', Buffer.from('Grüße', 'utf8')), 'Grüße', 'us-ascii that is really UTF-8');
  assert.equal(text('text/plain; charset=utf-8', Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65])), 'Grüße', 'Latin-1 labelled UTF-8');
  assert.equal(text('text/plain; charset=utf-8', Buffer.concat([Buffer.from('é ', 'utf8'), Buffer.from([0xff])])), 'é \ufffd');
});

test('preview: plain text first, whitespace collapsed, capped at 256', () => {
  const m = parseMessage(readFileSync(join(CORPUS, 'rfc/006.eml')));
  assert.equal(m.preview, 'Plain text email goes here! This is the fallback if email client does not support HTML');
  const long = parseMessage(crlf(`Content-Type: text/plain\n\n${'word '.repeat(200)}`));
  assert.equal(long.preview.length, 256);
  assert.ok(long.preview.startsWith('word word'));
  const emoji = parseMessage(crlf(`Content-Type: text/plain; charset=utf-8\n\n${'a'.repeat(255)}😀`));
  assert.equal(emoji.preview, 'a'.repeat(255), 'a surrogate pair is never cut in half');
});

test('preview of an HTML-only message: tags, hidden elements and entities removed', () => {
  const m = parseMessage(crlf(`Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><title>T</title><style>p { color: red }</style></head>
<body><!-- hidden --><script>alert(1)</script><p>Hello&nbsp;&amp; welcome,<br>Caf=C3=A9 &#x263A; &euro;5</p>
<div>Bye</div></body></html>
`));
  assert.equal(m.preview, 'Hello & welcome, Café ☺ €5 Bye');
  assert.equal(m.searchText, 'Hello & welcome, Café ☺ €5 Bye');
});

test('preview falls back to the HTML alternative when the text one is empty', () => {
  const m = parseMessage(readFileSync(join(CORPUS, 'malformed/020.eml')));
  assert.equal(m.preview, 'HTML Body');
});

test('search text: every text/plain and text/html part, attached messages included, capped', () => {
  const raw = crlf(`Content-Type: multipart/mixed; boundary=b

--b
Content-Type: multipart/alternative; boundary=c

--c
Content-Type: text/plain

plain words
--c
Content-Type: text/html

<p>html words</p>
--c--
--b
Content-Type: application/pdf

%PDF not text
--b
Content-Type: message/rfc822

Subject: inner
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: base64

aW5uZXIgd/ZyZHM=
--b--
`);
  const m = parseMessage(raw);
  assert.equal(m.searchText, 'plain words\nhtml words\ninner wörds');
  const huge = parseMessage(crlf(`Content-Type: text/plain\n\n${'0123456789 '.repeat(200_000)}`));
  assert.equal(huge.searchText.length, 1 << 20);
});

test('hasAttachment', () => {
  const has = (text: string): boolean => parseMessage(crlf(text)).hasAttachment;
  assert.equal(has('Content-Type: text/plain\n\nhi'), false);
  assert.equal(has('Content-Type: application/pdf\n\n%PDF'), true);
  assert.equal(has('Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\na\n--b\nContent-Type: text/html\n\n<p>a</p>\n--b--\n'), false);
  assert.equal(
    has('Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: text/html\n\n<img src="cid:i">\n--b\nContent-Type: image/png\nContent-ID: <i>\n\nPNG\n--b--\n'),
    false,
    'an image embedded in the HTML is not an attachment',
  );
  assert.equal(has('Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b\nContent-Type: image/png\n\nPNG\n--b--\n'), true);
  assert.equal(has('Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nA\n--b--\n'), true);
  assert.equal(has('Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b\nContent-Type: message/rfc822\n\nSubject: fwd\n\nx\n--b--\n'), true);
  assert.equal(has(readFileSync(join(CORPUS, 'malformed/015.eml')).toString()), false, 'a PGP signature is not an attachment');
  assert.equal(has('Content-Type: multipart/signed; boundary=b\n\n--b\n\ntext\n--b\nContent-Type: application/pgp-signature\n\nsig\n--b\nContent-Type: application/zip\n\nzip\n--b--\n'), true);
});

test('attachments list RFC 8621 attachments with IMAP part numbers and file names', () => {
  const m = parseMessage(readFileSync(join(CORPUS, 'legacy/023.eml')));
  assert.deepEqual(
    m.attachments.map((a) => [a.partPath, a.type, a.filename]),
    [
      ['2', 'image/png', 'blueball.png'],
      ['3', 'text/plain', 'farmerandstork.txt'],
      ['4', 'text/plain', 'HasenundFrösche.txt'],
    ],
  );
  for (const a of m.attachments) assert.equal(a.size, (partByPath(m.body, a.partPath) as BodyPart).size);
});

test('RFC 8621 §4.1.4 example: textBody, htmlBody and attachments', () => {
  const raw = readFileSync(join(CORPUS, 'rfc/007.eml'));
  const display = findDisplayParts(parseMessage(raw).body);
  const letters = (refs: { part: BodyPart }[]): string => refs.map(({ part }) => raw.subarray(part.bodyStart, part.end).toString().replace(/<\/?html>/g, '')).join('');
  assert.equal(letters(display.textBody), 'ABCDK');
  assert.equal(letters(display.htmlBody), 'AEK');
  assert.equal(letters(display.attachments), 'CFGHSubject: J\n\nJ');
  assert.deepEqual(display.attachments.map((r) => r.path), ['2.1.1.2', '2.1.2.2', '2.2', '2.3', '2.4']);
});
