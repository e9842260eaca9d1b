// The MIME parser's structure: the shared corpus, offsets, IMAP part numbers, limits and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_DEPTH, MAX_PARTS, parseMessage, partByPath, walkParts, type BodyPart, type ParsedMessage } from '../../src/mail/mime/index.ts';

const CORPUS = new URL('../../../shared/corpus/mime/', import.meta.url).pathname;

function corpusFiles(): { name: string; raw: Buffer }[] {
  const files: { name: string; raw: Buffer }[] = [];
  for (const dir of ['rfc', 'legacy', 'malformed']) {
    for (const name of readdirSync(join(CORPUS, dir)).filter((n) => n.endsWith('.eml')).sort()) {
      files.push({ name: `${dir}/${name}`, raw: readFileSync(join(CORPUS, dir, name)) });
    }
  }
  return files;
}

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

function body(raw: Buffer, part: BodyPart): string {
  return raw.subarray(part.bodyStart, part.end).toString('utf8');
}

function countLineFeeds(buf: Buffer): number {
  let n = 0;
  for (const b of buf) if (b === 0x0a) n++;
  return n;
}

/** Invariants every parse must keep, whatever the input. */
function checkPart(raw: Buffer, part: BodyPart, outer: { start: number; end: number }): void {
  assert.ok(outer.start <= part.headerStart && part.headerStart <= part.bodyStart && part.bodyStart <= part.end && part.end <= outer.end);
  assert.equal(part.size, part.end - part.bodyStart);
  assert.equal(part.lines, countLineFeeds(raw.subarray(part.bodyStart, part.end)));
  assert.match(part.type, /^[a-z0-9!#$%&'*+.^_`|~-]+$/);
  assert.match(part.encoding, /^[^A-Z]*$/);
  let cursor = part.bodyStart;
  for (const child of part.parts) {
    assert.ok(child.headerStart >= cursor, 'children are in order and do not overlap');
    checkPart(raw, child, { start: part.bodyStart, end: part.end });
    cursor = child.end;
  }
  if (part.message) {
    assert.equal(part.message.body.headerStart, part.bodyStart);
    assert.equal(part.message.body.end, part.end);
    checkPart(raw, part.message.body, { start: part.bodyStart, end: part.end });
  }
}

function checkMessage(raw: Buffer, m: ParsedMessage): void {
  assert.equal(m.body.headerStart, 0);
  assert.equal(m.headerSize, m.body.bodyStart);
  checkPart(raw, m.body, { start: 0, end: raw.length });
  walkParts(m.body, (part, path) => assert.equal(partByPath(m.body, path), part, `part ${path}`));
  assert.ok(m.preview.length <= 256 && !/\s\s/.test(m.preview));
  for (const a of m.attachments) assert.ok(partByPath(m.body, a.partPath));
}

test('every corpus message parses with sane structure and envelope', () => {
  const files = corpusFiles();
  assert.ok(files.length > 80);
  for (const { name, raw } of files) {
    const m = parseMessage(raw);
    try {
      checkMessage(raw, m);
    } catch (err) {
      assert.fail(`${name}: ${(err as Error).message}`);
    }
  }
});

test('every prefix of the RFC and malformed messages parses (a message cut off anywhere)', () => {
  for (const { name, raw } of corpusFiles().filter((f) => !f.name.startsWith('legacy/'))) {
    for (let cut = 0; cut <= raw.length; cut++) {
      const prefix = raw.subarray(0, cut);
      try {
        checkMessage(prefix, parseMessage(prefix));
      } catch (err) {
        assert.fail(`${name} cut at ${cut}: ${(err as Error).message}`);
      }
    }
  }
});

test('well-formed multiparts: each child ends right before the line break of the next boundary', () => {
  for (const { name, raw } of corpusFiles().filter((f) => f.name.startsWith('rfc/') || f.name.startsWith('legacy/'))) {
    const m = parseMessage(raw);
    const visit = (part: BodyPart): void => {
      for (const child of part.parts) {
        // An encoded message/rfc822 without an empty line is all "header" to Dovecot, and a
        // header keeps its last line break (see mime-dovecot-parity.test.ts).
        const allHeader = child.type === 'message' && /^(rfc822|global)$/.test(child.subtype) && !child.message && !/\n\r?\n/.test(body(raw, child));
        assert.match(raw.subarray(child.end, child.end + 4).toString('latin1'), allHeader ? /^--/ : /^\r?\n--/, `${name} part at ${child.headerStart}`);
        visit(child);
      }
      if (part.message) visit(part.message.body);
    };
    visit(m.body);
  }
});

test('RFC 2046 §5.1.1 example: bodies exclude the line break before a boundary', () => {
  const raw = readFileSync(join(CORPUS, 'rfc/005.eml'));
  const m = parseMessage(raw);
  assert.equal(m.body.type, 'multipart');
  assert.equal(m.body.parts.length, 2);
  const [implicit, explicit] = m.body.parts;
  assert.equal(implicit.type + '/' + implicit.subtype, 'text/plain', 'no Content-Type means text/plain');
  assert.equal(body(raw, implicit), 'This is implicitly typed plain US-ASCII text.\nIt does NOT end with a linebreak.');
  assert.equal(body(raw, explicit), 'This is explicitly typed plain US-ASCII text.\nIt DOES end with a linebreak.\n');
  assert.deepEqual(explicit.params, { charset: 'us-ascii' });
  assert.equal(implicit.lines, 1);
  assert.equal(explicit.lines, 2);
});

test('bare LF and CRLF messages give the same structure', () => {
  const lf = readFileSync(join(CORPUS, 'rfc/000.eml'));
  const crlfRaw = crlf(lf.toString('utf8'));
  const shape = (raw: Buffer): unknown[] => {
    const rows: unknown[] = [];
    walkParts(parseMessage(raw).body, (p, path) => rows.push([path, p.type, p.subtype, body(raw, p).replace(/\r\n/g, '\n'), p.lines]));
    return rows;
  };
  assert.deepEqual(shape(crlfRaw), shape(lf));
  const part = parseMessage(crlfRaw).body.parts[1];
  assert.equal(body(crlfRaw, part), 'This could have been part of the previous part, but\r\nillustrates explicit versus implicit typing of body\r\nparts.\r\n');
});

// The example of RFC 3501 §6.4.5 (unchanged in RFC 9051), built as a message.
const RFC3501_SHAPE = crlf(`From: a@example.com
Subject: parts
MIME-Version: 1.0
Content-Type: MULTIPART/MIXED; boundary="outer"

--outer
Content-Type: TEXT/PLAIN

one
--outer
Content-Type: APPLICATION/OCTET-STREAM

two
--outer
Content-Type: MESSAGE/RFC822

Subject: three
Content-Type: multipart/mixed; boundary="m3"

--m3
Content-Type: text/plain

3.1
--m3
Content-Type: application/octet-stream

3.2
--m3--
--outer
Content-Type: MULTIPART/MIXED; boundary="four"

--four
Content-Type: IMAGE/GIF

4.1
--four
Content-Type: MESSAGE/RFC822

Subject: four-two
Content-Type: multipart/mixed; boundary="m42"

--m42
Content-Type: text/plain

4.2.1
--m42
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain

4.2.2.1
--alt
Content-Type: text/richtext

4.2.2.2
--alt--
--m42--
--four--
--outer--
`);

test('IMAP part numbers follow RFC 3501 §6.4.5, through message/rfc822', () => {
  const m = parseMessage(RFC3501_SHAPE);
  const seen: string[] = [];
  walkParts(m.body, (part, path) => seen.push(`${path} ${part.type}/${part.subtype}`));
  assert.deepEqual(seen, [
    '1 text/plain',
    '2 application/octet-stream',
    '3 message/rfc822',
    '3.1 text/plain',
    '3.2 application/octet-stream',
    '4 multipart/mixed',
    '4.1 image/gif',
    '4.2 message/rfc822',
    '4.2.1 text/plain',
    '4.2.2 multipart/alternative',
    '4.2.2.1 text/plain',
    '4.2.2.2 text/richtext',
  ]);
  const bodies: Record<string, string> = { '1': 'one', '2': 'two', '3.1': '3.1', '3.2': '3.2', '4.1': '4.1', '4.2.1': '4.2.1', '4.2.2.1': '4.2.2.1', '4.2.2.2': '4.2.2.2' };
  for (const [path, text] of Object.entries(bodies)) assert.equal(body(RFC3501_SHAPE, partByPath(m.body, path) as BodyPart), text, path);
  const three = partByPath(m.body, '3') as BodyPart;
  assert.equal(three.message?.envelope.subject, 'three');
  assert.equal(three.message?.body.type, 'multipart');
  assert.equal(partByPath(m.body, '4.2')?.message?.envelope.subject, 'four-two');
  assert.equal(three.lines, countLineFeeds(RFC3501_SHAPE.subarray(three.bodyStart, three.end)));
  for (const bad of ['0', '5', '1.1', '3.3', '4.2.3', '', 'x', '1.']) assert.equal(partByPath(m.body, bad), null, bad);
});

test('a non-multipart message is part 1, and so is the body of an encapsulated one', () => {
  const single = parseMessage(crlf('Subject: x\n\nhello\n'));
  assert.equal(partByPath(single.body, '1'), single.body);
  assert.equal(partByPath(single.body, '2'), null);
  assert.equal(partByPath(single.body, '1.1'), null);

  const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\n\nintro\n--b\nContent-Type: message/rfc822\n\nSubject: inner\nFrom: In Ner <in@example.com>\n\ninner body\n--b--\n');
  const m = parseMessage(raw);
  const inner = partByPath(m.body, '2.1') as BodyPart;
  assert.equal(inner.type, 'text');
  assert.equal(body(raw, inner), 'inner body');
  assert.equal(partByPath(m.body, '2.2'), null);
  const encapsulated = m.body.parts[1].message;
  assert.equal(encapsulated?.envelope.from[0].address, 'in@example.com');
  assert.deepEqual(encapsulated?.headers.map((h) => h.name), ['Subject', 'From']);
});

test('headers keep order, folding and 8-bit text; headerSize counts the blank line', () => {
  const raw = Buffer.concat([
    Buffer.from('Subject: first\r\n line\r\nX-Utf8: Grüße\r\nX-Latin1: Gr'),
    Buffer.from([0xfc, 0xdf]),
    Buffer.from('e\r\nno colon here\r\nX-Empty:\r\nSubject : second\r\n\r\nbody'),
  ]);
  const m = parseMessage(raw);
  assert.deepEqual(m.headers, [
    { name: 'Subject', value: ' first\r\n line' },
    { name: 'X-Utf8', value: ' Grüße' },
    { name: 'X-Latin1', value: ' Grüße' },
    { name: 'X-Empty', value: '' },
    { name: 'Subject', value: ' second' },
  ]);
  assert.equal(m.subject, 'first line', 'the first Subject counts');
  assert.equal(m.headerSize, raw.indexOf('body'));
  assert.equal(body(raw, m.body), 'body');
});

test('missing close delimiters: input ends the parts, an outer boundary ends inner ones', () => {
  const raw = crlf('Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\n\nA\n--inner\n\nB\n--outer\n\nC\n');
  const m = parseMessage(raw);
  assert.deepEqual(m.body.parts.map((p) => p.type), ['multipart', 'text']);
  const [alt, c] = m.body.parts;
  assert.deepEqual(alt.parts.map((p) => body(raw, p)), ['A', 'B']);
  assert.equal(body(raw, c), 'C\r\n');
  assert.equal(c.end, raw.length);
  assert.equal(m.body.end, raw.length);
});

test('boundaries: longest match wins, trailing junk is allowed, no boundary line means no parts', () => {
  const prefix = parseMessage(crlf('Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=ab\n\n--ab\n\nX\n--ab--\n--a  \n\nY\n--a--\n'));
  assert.equal(prefix.body.parts.length, 2);
  assert.equal(prefix.body.parts[0].parts.length, 1);
  const none = parseMessage(crlf('Content-Type: multipart/mixed; boundary=zz\n\nno boundary here\n'));
  assert.equal(none.body.type, 'multipart');
  assert.equal(none.body.parts.length, 0);
  const noParam = parseMessage(crlf('Content-Type: multipart/mixed\n\n--zz\n\ntext\n'));
  assert.equal(noParam.body.parts.length, 0);
});

test('multipart/digest parts default to message/rfc822', () => {
  const raw = readFileSync(join(CORPUS, 'rfc/004.eml'));
  const digest = partByPath(parseMessage(raw).body, '2') as BodyPart;
  assert.equal(digest.subtype, 'digest');
  assert.deepEqual(digest.parts.map((p) => `${p.type}/${p.subtype}`), ['message/rfc822', 'message/rfc822']);
  assert.equal(digest.parts[1].message?.envelope.subject, 'my different opinion');
});

test('a base64 message/rfc822 stays an opaque leaf', () => {
  const m = parseMessage(readFileSync(join(CORPUS, 'rfc/008.eml')));
  const part = m.body.parts[1];
  assert.equal(part.type + '/' + part.subtype, 'message/rfc822');
  assert.equal(part.encoding, 'base64');
  assert.equal(part.message, undefined);
});

test('nesting deeper than MAX_DEPTH becomes opaque body instead of overflowing', () => {
  let text = '';
  for (let i = 0; i < 5000; i++) text += `Content-Type: multipart/mixed; boundary=d${i}x\r\n\r\n--d${i}x\r\n`;
  text += 'Content-Type: text/plain\r\n\r\nbottom\r\n';
  const raw = Buffer.from(text);
  const m = parseMessage(raw);
  let depth = 0;
  let part = m.body;
  while (part.parts.length > 0) {
    part = part.parts[0];
    depth++;
  }
  assert.equal(depth, MAX_DEPTH);
  assert.equal(part.end, raw.length);
  checkMessage(raw, m);

  let messages = '';
  for (let i = 0; i < 5000; i++) messages += 'Content-Type: message/rfc822\r\n\r\n';
  const nested = parseMessage(Buffer.from(messages + 'end'));
  let levels = 0;
  for (let p: BodyPart | undefined = nested.body; p?.message; p = p.message.body) levels++;
  assert.equal(levels, MAX_DEPTH);
});

test('more than MAX_PARTS parts: the rest is opaque', () => {
  const chunks = ['Content-Type: multipart/mixed; boundary=b\r\n\r\n'];
  for (let i = 0; i < MAX_PARTS + 500; i++) chunks.push(`--b\r\n\r\n${i}\r\n`);
  chunks.push('--b--\r\n');
  const raw = Buffer.from(chunks.join(''));
  const m = parseMessage(raw);
  assert.equal(m.body.parts.length, MAX_PARTS - 1);
  assert.equal(m.body.end, raw.length);
});

test('a 10,000-part message: every part found at its offsets', () => {
  const chunks = ['From: many@example.com\r\nContent-Type: multipart/mixed; boundary="=_b"\r\n\r\npreamble\r\n'];
  for (let i = 0; i < 10_000; i++) {
    chunks.push(`--=_b\r\nContent-Type: ${i % 2 ? 'application/octet-stream' : 'text/plain'}\r\n\r\nbody of part ${i}\r\n`);
  }
  chunks.push('--=_b--\r\nepilogue\r\n');
  const raw = Buffer.from(chunks.join(''));
  const m = parseMessage(raw);
  assert.equal(m.body.parts.length, 10_000);
  m.body.parts.forEach((p, i) => assert.equal(body(raw, p), `body of part ${i}`));
  assert.equal(partByPath(m.body, '10000'), m.body.parts[9999]);
  assert.equal(m.attachments.length, 5_000);
  assert.equal(m.hasAttachment, true);
});

test('a 50 MB message: offsets exact, attachment never turned into a string', () => {
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n';
  const attachment = Buffer.from(line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)));
  const head = Buffer.from(
    'From: big@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n' +
      '--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
      '--XX\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  const raw = Buffer.concat([head, attachment, Buffer.from('\r\n--XX--\r\n')]);
  const m = parseMessage(raw);
  assert.equal(m.body.parts.length, 2);
  const big = m.body.parts[1];
  assert.equal(big.bodyStart, head.length);
  assert.equal(big.size, attachment.length);
  assert.equal(big.lines, attachment.length / line.length);
  assert.equal(m.preview, 'see attached');
  assert.deepEqual(m.attachments, [{ partPath: '2', filename: 'big.bin', type: 'application/octet-stream', size: attachment.length }]);
});
