import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseMessage } from '../../src/mail/mime/index.ts';
import { foldSearchText } from '../../src/store/fulltext.ts';

// The inspection threads fold and collapse every message's text; both have fast paths (ASCII
// skips normalisation, lone spaces are left alone). These are the definitions they must agree with.
const definedFold = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\s\u0000]+/g, ' ');
const definedCollapse = (text: string): string => text.replace(/[\s\u00a0\u200b]+/g, ' ').trim();

const SAMPLES = [
  '',
  ' ',
  'a',
  'plain words here',
  ' leading and trailing ',
  'two  spaces\tand a tab\r\nand CRLF\n\nand blank lines',
  'ends with one space ',
  'NUL\u0000inside and\u0000\u0000twice',
  'Crème Brûlée ÉCOLE ﬁnance ＡＢＣ',
  'non\u00a0breaking \u00a0 mixed\u200bzero-width\u2003em space',
  'İstanbul ǅ ß Σ ΣΑΣ',
  'e\u0301 composed by hand, a\u0308\u0304 two marks',
  '😀 surrogate pairs 𝒜 ',
  'x \u0000 y',
];

test('foldSearchText matches its definition on ASCII, accented, compatibility and white space samples', () => {
  for (const sample of SAMPLES) assert.equal(foldSearchText(sample), definedFold(sample), JSON.stringify(sample));
});

test('the body text of a parsed message is its white space collapsed as defined', () => {
  for (const sample of SAMPLES) {
    const raw = Buffer.from(`Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${sample}`, 'utf8');
    const parsed = parseMessage(raw);
    assert.equal(parsed.searchText, definedCollapse(sample), JSON.stringify(sample));
  }
});

// The fast paths skip patterns for some inputs; every short string over the characters that
// matter must still come out as the definitions say.
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
