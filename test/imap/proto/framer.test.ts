import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFramer, type FramerEvent, type FramerOptions } from '../../../src/imap/proto/framer.ts';

const defaults: FramerOptions = { maxLineBytes: 1024, maxLiteralBytes: 10_000, maxCommandBytes: 20_000 };

function frame(input: string | Buffer, options: Partial<FramerOptions> = {}, chunkSize?: number): FramerEvent[] {
  const framer = new CommandFramer({ ...defaults, ...options });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  if (!chunkSize) return framer.push(bytes);
  const events: FramerEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) events.push(...framer.push(bytes.subarray(i, i + chunkSize)));
  return events;
}

function commands(events: FramerEvent[]): string[] {
  return events.map((e) => (e.type === 'command' ? e.bytes.toString('latin1') : e.type === 'continue' ? '+' : JSON.stringify(e)));
}

test('frames pipelined commands and accepts bare LF', () => {
  assert.deepEqual(commands(frame('a1 NOOP\r\na2 CAPABILITY\na3 LOGOUT\r\n')), ['a1 NOOP', 'a2 CAPABILITY', 'a3 LOGOUT']);
});

test('keeps an incomplete line until its end arrives', () => {
  const framer = new CommandFramer(defaults);
  assert.deepEqual(framer.push(Buffer.from('a1 NO')), []);
  assert.deepEqual(framer.push(Buffer.from('OP\r')), []);
  assert.deepEqual(commands(framer.push(Buffer.from('\n'))), ['a1 NOOP']);
});

test('a synchronizing literal asks for continuation and is kept inline (RFC 9051 §4.3 example)', () => {
  const input = 'A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n';
  assert.deepEqual(commands(frame(input)), ['+', '+', 'A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man']);
});

test('every chunk split gives the same events', () => {
  const input = 'A003 APPEND saved-messages (\\Seen) {22}\r\nDate: x\r\n\r\nHello {3}\r\n\r\nA4 LOGIN {2+}\r\nab ~{4}\r\n\0\r\n\0\r\nA5 NOOP\r\n';
  const whole = commands(frame(input));
  assert.deepEqual(whole, ['+', 'A003 APPEND saved-messages (\\Seen) {22}\r\nDate: x\r\n\r\nHello {3}\r\n', '+', 'A4 LOGIN {2+}\r\nab ~{4}\r\n\0\r\n\0', 'A5 NOOP']);
  for (let size = 1; size <= 7; size++) assert.deepEqual(commands(frame(input, {}, size)), whole, `chunk size ${size}`);
});

test('non-synchronizing literals (LITERAL+, RFC 7888) need no continuation', () => {
  assert.deepEqual(commands(frame('A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n')), ['A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man']);
});

test('zero-length literals', () => {
  assert.deepEqual(commands(frame('a LOGIN {0}\r\n {0+}\r\n\r\n')), ['+', 'a LOGIN {0}\r\n {0+}\r\n']);
});

test('binary literal data may contain NUL and CRLF (RFC 3516)', () => {
  const events = frame(Buffer.concat([Buffer.from('a APPEND x ~{5+}\r\n'), Buffer.from([0, 13, 10, 0, 255]), Buffer.from('\r\n')]));
  assert.equal(events.length, 1);
  const event = events[0];
  assert.equal(event.type, 'command');
  if (event.type === 'command') assert.deepEqual([...event.bytes.subarray(-5)], [0, 13, 10, 0, 255]);
});

test('a synchronizing literal over the limit is refused without continuation and the stream stays in step', () => {
  const events = frame('A1 APPEND INBOX {20000}\r\nA2 NOOP\r\n', { maxLiteralBytes: 100 });
  assert.deepEqual(events, [
    { type: 'error', tag: 'A1', message: 'Literal too big', fatal: false, code: 'TOOBIG' },
    { type: 'command', bytes: Buffer.from('A2 NOOP') },
  ]);
});

test('a synchronizing literal that would pass the command limit is refused the same way', () => {
  const events = frame('A1 APPEND INBOX {90}\r\n', { maxLiteralBytes: 100, maxCommandBytes: 80 });
  assert.equal(events[0].type, 'error');
  assert.equal(events[0].type === 'error' && events[0].fatal, false);
});

test('LITERAL-: a non-synchronizing literal over 4096 bytes is fatal', () => {
  const events = frame('A1 APPEND INBOX {4097+}\r\nxxxx', { maxNonSyncLiteral: 4096 });
  assert.deepEqual(events, [{ type: 'error', tag: 'A1', message: 'Non-synchronizing literal too big', fatal: true, code: 'TOOBIG' }]);
  assert.equal(commands(frame('A1 APPEND INBOX {4096+}\r\n' + 'x'.repeat(4096) + '\r\n', { maxNonSyncLiteral: 4096 })).length, 1);
});

test('a literal size with absurdly many digits is just too big', () => {
  const [event] = frame('A1 APPEND INBOX {99999999999999999999999}\r\n');
  assert.equal(event.type === 'error' && event.code, 'TOOBIG');
});

test('an overlong line is fatal and nothing after it is framed', () => {
  const framer = new CommandFramer({ ...defaults, maxLineBytes: 100 });
  const events = framer.push(Buffer.from('A1 ' + 'x'.repeat(200)));
  assert.deepEqual(events, [{ type: 'error', tag: 'A1', message: 'Line too long', fatal: true }]);
  assert.deepEqual(framer.push(Buffer.from('\r\nA2 NOOP\r\n')), []);
});

test('a line of exactly the limit is accepted, with its CRLF split across chunks', () => {
  const line = 'A1 ' + 'x'.repeat(97);
  assert.deepEqual(commands(frame(line + '\r\n', { maxLineBytes: 100 }, 100)), [line]);
});

test('memory stays bounded with a client streaming garbage without line ends', () => {
  const framer = new CommandFramer({ ...defaults, maxLineBytes: 4096 });
  const junk = Buffer.alloc(1000, 0x41);
  let fatal = 0;
  for (let i = 0; i < 10_000; i++) for (const e of framer.push(junk)) if (e.type === 'error' && e.fatal) fatal++;
  assert.equal(fatal, 1);
});

test('a command made of many small lines and literals is bounded by maxCommandBytes', () => {
  const framer = new CommandFramer({ maxLineBytes: 100, maxLiteralBytes: 100, maxCommandBytes: 1000 });
  let error: FramerEvent | undefined;
  for (let i = 0; i < 200 && !error; i++) error = framer.push(Buffer.from('a {10+}\r\n0123456789')).find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error' && error.fatal);
});

test('line mode emits raw lines (IDLE DONE, AUTHENTICATE responses) without literal handling', () => {
  const framer = new CommandFramer(defaults);
  framer.lineMode = true;
  assert.deepEqual(framer.push(Buffer.from('dGVzdA== {5}\r\nDONE\n')), [
    { type: 'line', text: 'dGVzdA== {5}' },
    { type: 'line', text: 'DONE' },
  ]);
});

test('next() lets the session leave line mode between DONE and pipelined commands (iOS)', () => {
  const framer = new CommandFramer(defaults);
  framer.lineMode = true;
  framer.feed(Buffer.from('DONE\r\nA2 LOGIN {1}\r\nx\r\n'));
  assert.deepEqual(framer.next(), { type: 'line', text: 'DONE' });
  framer.lineMode = false;
  assert.deepEqual(framer.next(), { type: 'continue' });
  assert.deepEqual(framer.next(), { type: 'command', bytes: Buffer.from('A2 LOGIN {1}\r\nx') });
  assert.equal(framer.next(), null);
});

test('empty lines between commands are skipped', () => {
  assert.deepEqual(commands(frame('\r\n\r\na NOOP\r\n\r\n')), ['a NOOP']);
});

test('random chunking of random input never throws', () => {
  for (let round = 0; round < 300; round++) {
    const framer = new CommandFramer({ maxLineBytes: 64, maxLiteralBytes: 32, maxCommandBytes: 256, maxNonSyncLiteral: 16 });
    if (round % 3 === 0) framer.lineMode = true;
    const alphabet = ['{', '}', '+', '~', '1', '5', '0', '\r', '\n', 'a', ' ', '\0'];
    let text = '';
    for (let i = 0; i < 400; i++) text += alphabet[Math.floor(Math.random() * alphabet.length)];
    const bytes = Buffer.from(text, 'latin1');
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(Math.random() * 20);
      framer.push(bytes.subarray(i, i + n));
      i += n;
    }
  }
});
