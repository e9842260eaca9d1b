import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseMessage } from '../../src/mail/mime/index.ts';
import { foldSearchText } from '../../src/store/fulltext.ts';

// foldSearchText skips its pattern for ASCII text with no white space but lone spaces, and the
// body text collapse matches runs without a lookahead. Every short string over the characters
// that matter must still come out as the definitions say.
const definedFold = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\s\u0000]+/g, ' ');
const definedCollapse = (text: string): string => text.replace(/[\s\u00a0\u200b]+/g, ' ').trim();

const ALPHABET = ['a', 'B', ' ', '\t', '\n', '\r', '\v', '\f', '\u0000', '\u001c', '\u0085', '\u00a0', '\u200b', '\u2003', '\u3000', '\ufeff', 'é', '\u00a8'];

function* strings(length: number): Generator<string> {
  if (length === 0) {
    yield '';
    return;
  }
  for (const rest of strings(length - 1)) for (const c of ALPHABET) yield rest + c;
}

test('foldSearchText agrees with its definition on every string of up to three characters', () => {
  for (let length = 0; length <= 3; length++) {
    for (const text of strings(length)) assert.equal(foldSearchText(text), definedFold(text), JSON.stringify(text));
  }
});

test('the body text collapse agrees with its definition on every string of up to three characters', () => {
  for (let length = 0; length <= 3; length++) {
    for (const text of strings(length)) {
      const raw = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx${text}y`, 'utf8');
      assert.equal(parseMessage(raw).searchText, definedCollapse(`x${text}y`), JSON.stringify(text));
    }
  }
});
