import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../../src/imap/proto/parser.ts';

// A deterministic generator so a failure can be replayed.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const FRAGMENTS = [
  'a ', 'UID ', 'FETCH ', 'SEARCH ', 'STORE ', 'LIST ', 'APPEND ', 'SELECT ', 'SORT ', 'THREAD ', 'ID ', 'STATUS ', 'CREATE ', 'SETQUOTA ',
  '1:*', '$', '*', '(', ')', '[', ']', '<', '>', '.', '"', '\\', '{', '}', '~{', '{3}\r\n', '{0+}\r\n', ' ', 'NIL', 'OR ', 'NOT ',
  'BODY[', 'HEADER.FIELDS', 'RETURN (', 'CHARSET ', 'UTF-8 ', 'QRESYNC (', 'MODSEQ ', '&', '-', 'é', '\0', '\r\n', '1-Feb-1994',
];

test('parseCommand never throws on random bytes', () => {
  const next = random(1);
  for (let i = 0; i < 5000; i++) {
    const bytes = Buffer.alloc(Math.floor(next() * 80));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
    const result = parseCommand(bytes, { utf8Accept: next() < 0.5 });
    assert.ok('command' in result || typeof result.message === 'string');
  }
});

test('parseCommand never throws on random grammar fragments', () => {
  const next = random(2);
  for (let i = 0; i < 20000; i++) {
    let line = 'a ';
    const count = 1 + Math.floor(next() * 12);
    for (let j = 0; j < count; j++) line += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
    const result = parseCommand(Buffer.from(line, 'utf8'), { utf8Accept: next() < 0.5 });
    // A failure always has a message; the catch-all for bugs ('Invalid command') must never be hit.
    if (!('command' in result)) assert.notEqual(result.message, 'Invalid command', line);
  }
});
