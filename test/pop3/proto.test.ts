// The POP3 wire without sockets: command lines from RFC 1939's and RFC 5034's examples, reply
// formatting, and the byte-stuffing of messages for RETR and TOP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { capabilities, decodePlain, err, multiline, ok, parseCommand, stuffMessage, uniqueId, type Pop3Command } from '../../src/pop3/proto.ts';

function command(line: string): Pop3Command {
  const parsed = parseCommand(line);
  assert.ok(parsed.ok, `${line}: ${parsed.ok ? '' : parsed.error}`);
  return parsed.command;
}

function refused(line: string): string {
  const parsed = parseCommand(line);
  assert.ok(!parsed.ok, `${JSON.stringify(line)} should be refused`);
  return parsed.error;
}

function stuffed(raw: string, bodyLines?: number): string {
  return Buffer.concat([...stuffMessage(Buffer.from(raw, 'latin1'), bodyLines)]).toString('latin1');
}

describe('parseCommand', () => {
  test('RFC 1939 examples, keywords in any case', () => {
    assert.deepEqual(command('USER mrose'), { name: 'USER', argument: 'mrose' });
    assert.deepEqual(command('PASS secret'), { name: 'PASS', argument: 'secret' });
    assert.deepEqual(command('stat'), { name: 'STAT' });
    assert.deepEqual(command('LIST'), { name: 'LIST', message: null });
    assert.deepEqual(command('LIST 2'), { name: 'LIST', message: 2 });
    assert.deepEqual(command('uidl 1'), { name: 'UIDL', message: 1 });
    assert.deepEqual(command('RETR 1'), { name: 'RETR', message: 1 });
    assert.deepEqual(command('Dele 1'), { name: 'DELE', message: 1 });
    assert.deepEqual(command('TOP 1 10'), { name: 'TOP', message: 1, lines: 10 });
    assert.deepEqual(command('TOP 1 0'), { name: 'TOP', message: 1, lines: 0 });
    for (const name of ['NOOP', 'RSET', 'QUIT', 'CAPA', 'STLS'] as const) assert.deepEqual(command(name.toLowerCase()), { name });
  });

  test('PASS keeps spaces: the rest of the line is the password', () => {
    assert.deepEqual(command('PASS correct horse  battery'), { name: 'PASS', argument: 'correct horse  battery' });
  });

  test('RFC 5034 AUTH forms', () => {
    assert.deepEqual(command('AUTH'), { name: 'AUTH', mechanism: null, initialResponse: null });
    assert.deepEqual(command('AUTH plain'), { name: 'AUTH', mechanism: 'PLAIN', initialResponse: null });
    assert.deepEqual(command('AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q='), { name: 'AUTH', mechanism: 'PLAIN', initialResponse: 'dGVzdAB0ZXN0AHRlc3Q=' });
    refused('AUTH PLAIN a b');
  });

  test('message numbers are positive decimals', () => {
    for (const line of ['RETR 0', 'RETR -1', 'RETR +1', 'RETR 1a', 'RETR', 'RETR 1 2', 'DELE  1', 'LIST 0x1', 'TOP 1', 'TOP 1 -1', 'TOP 0 1', 'RETR 99999999999']) refused(line);
  });

  test('garbage and unknown commands', () => {
    assert.equal(refused('APOP mrose c4c9334bac560ecc979e58001b3e22fb'), 'unknown command');
    assert.equal(refused('HELO'), 'unknown command');
    assert.equal(refused(''), 'unknown command');
    refused('STAT now');
    refused('USER');
    refused('USER a\0b');
    refused('\x16\x03\x01\x02');
  });
});

describe('replies', () => {
  test('status lines with RFC 3206 codes', () => {
    assert.equal(ok('2 320'), '+OK 2 320\r\n');
    assert.equal(ok(), '+OK\r\n');
    assert.equal(err('no such message'), '-ERR no such message\r\n');
    assert.equal(err('authentication failed', 'AUTH'), '-ERR [AUTH] authentication failed\r\n');
  });

  test('multi-line replies end with a lone dot', () => {
    assert.equal(multiline('2 messages (320 octets)', ['1 120', '2 200']), '+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n');
    assert.equal(multiline('0 messages (0 octets)', []), '+OK 0 messages (0 octets)\r\n.\r\n');
  });

  test('CAPA offers login and STLS only where they can be used', () => {
    const plain = capabilities({ stls: true, login: false, authorization: true });
    assert.ok(plain.includes('STLS'));
    assert.ok(!plain.includes('USER') && !plain.includes('SASL PLAIN'));
    const tls = capabilities({ stls: false, login: true, authorization: true });
    for (const name of ['TOP', 'UIDL', 'USER', 'SASL PLAIN', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'IMPLEMENTATION Petrel']) assert.ok(tls.includes(name), name);
    assert.ok(!tls.includes('STLS'));
    const after = capabilities({ stls: true, login: true, authorization: false });
    assert.ok(!after.includes('USER') && !after.includes('STLS') && after.includes('TOP'));
  });

  test('unique ids are printable, at most 70 characters, and differ per UID and UIDVALIDITY', () => {
    const id = uniqueId(1_700_000_000, 42);
    assert.match(id, /^[\x21-\x7e]{1,70}$/);
    assert.notEqual(id, uniqueId(1_700_000_000, 43));
    assert.notEqual(id, uniqueId(1_700_000_001, 42));
    assert.equal(id, uniqueId(1_700_000_000, 42));
  });

  test('SASL PLAIN responses (RFC 4616)', () => {
    const encode = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    assert.deepEqual(decodePlain(encode('\0alice@example.com\0pässword')), { authzid: '', authcid: 'alice@example.com', password: 'pässword' });
    assert.deepEqual(decodePlain(encode('alice\0alice\0pw')), { authzid: 'alice', authcid: 'alice', password: 'pw' });
    assert.equal(decodePlain('='), null);
    assert.equal(decodePlain('not base64!'), null);
    assert.equal(decodePlain(encode('alice\0pw')), null);
    assert.equal(decodePlain(encode('\0\0pw')), null);
  });
});

describe('stuffMessage', () => {
  test('lines starting with a dot get another one, and a dot line ends the reply', () => {
    assert.equal(stuffed('Subject: x\r\n\r\n.\r\n..two\r\n. space\r\nend\r\n'), 'Subject: x\r\n\r\n..\r\n...two\r\n.. space\r\nend\r\n.\r\n');
  });

  test('a final line without CRLF gets one before the terminator', () => {
    assert.equal(stuffed('Subject: x\r\n\r\nno newline'), 'Subject: x\r\n\r\nno newline\r\n.\r\n');
    assert.equal(stuffed('Subject: x\r\n\r\n.'), 'Subject: x\r\n\r\n..\r\n.\r\n');
  });

  test('bare LF line ends become CRLF; a bare CR inside a line is kept', () => {
    assert.equal(stuffed('Subject: x\n\n.hidden\nA\rB\n'), 'Subject: x\r\n\r\n..hidden\r\nA\rB\r\n.\r\n');
  });

  test('an empty message is just the terminator', () => {
    assert.equal(stuffed(''), '.\r\n');
  });

  test('TOP sends the header, the blank line and n body lines (RFC 1939 §7)', () => {
    const message = 'From: a\r\nSubject: s\r\n\r\n.one\r\ntwo\r\nthree\r\n';
    assert.equal(stuffed(message, 0), 'From: a\r\nSubject: s\r\n\r\n.\r\n');
    assert.equal(stuffed(message, 2), 'From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\n.\r\n');
    assert.equal(stuffed(message, 10), 'From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\nthree\r\n.\r\n');
    assert.equal(stuffed('From: a\r\nSubject: s\r\n', 0), 'From: a\r\nSubject: s\r\n.\r\n', 'a message with no body is all header');
  });

  test('a large message comes in bounded chunks that add up to the stuffed whole', () => {
    const line = `.${'x'.repeat(98)}\r\n`;
    const raw = Buffer.from(`Subject: big\r\n\r\n${line.repeat(20_000)}`, 'latin1');
    const chunks = [...stuffMessage(raw)];
    assert.ok(chunks.length > 1);
    assert.ok(chunks.every((c) => c.length < 128 * 1024));
    const text = Buffer.concat(chunks).toString('latin1');
    assert.equal(text, `Subject: big\r\n\r\n${`.${line}`.repeat(20_000)}.\r\n`);
  });
});
