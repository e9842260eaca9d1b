import { test } from 'node:test';
import assert from 'node:assert/strict';
import { astring, continuation, fetchItemName, flagList, mailboxValue, nstring, serializeValues, tagged, untagged, untaggedStatus } from '../../../src/imap/proto/serializer.ts';
import { decodeMailboxName, encodeMailboxName, matchesListPattern } from '../../../src/imap/proto/mailbox-name.ts';
import { formatOrderedSet, formatSequenceSet, formatUidSet, parseSequenceSet, rangesContain, resolveSequenceSet, sequenceSetWithin } from '../../../src/imap/proto/sequence-set.ts';
import { formatDateTime, parseDateTime, parseSearchDate } from '../../../src/imap/proto/dates.ts';

const text = (b: Buffer): string => b.toString('utf8');

test('serializer: atoms, numbers, NIL, quoting with escapes, lists', () => {
  assert.equal(text(serializeValues(['FETCH', 12, null, { quoted: 'a "b" \\c' }, [1, ['x', null]]])), 'FETCH 12 NIL "a \\"b\\" \\\\c" (1 (x NIL))');
  assert.equal(text(untagged([172, 'EXISTS'])), '* 172 EXISTS\r\n');
  assert.equal(text(untagged(['LIST', ['\\HasNoChildren'], { quoted: '/' }, mailboxValue('Entwürfe', false)])), '* LIST (\\HasNoChildren) "/" Entw&APw-rfe\r\n');
  assert.equal(text(serializeValues([{ raw: '(\\Seen $Junk)' }, flagList(['\\Answered'])])), '(\\Seen $Junk) (\\Answered)');
  assert.equal(text(serializeValues([[]])), '()');
});

test('serializer: strings choose literal for CR, LF, NUL, 8-bit (unless UTF8=ACCEPT) and long text', () => {
  assert.equal(text(serializeValues([{ string: 'plain' }])), '"plain"');
  assert.equal(text(serializeValues([{ string: 'a\r\nb' }])), '{4}\r\na\r\nb');
  assert.equal(text(serializeValues([{ string: 'ä' }])), '{2}\r\nä');
  assert.equal(text(serializeValues([{ string: 'ä' }], { utf8: true })), '"ä"');
  assert.deepEqual([...serializeValues([{ string: Buffer.from([0xe4]) }], { utf8: true })], [...Buffer.from('{1}\r\n'), 0xe4]);
  assert.equal(text(serializeValues([{ string: 'x'.repeat(2000) }])).slice(0, 8), '{2000}\r\n');
  const binary = serializeValues([{ literal: Buffer.from([0, 1]), binary: true }]);
  assert.deepEqual([...binary], [...Buffer.from('~{2}\r\n'), 0, 1]);
  assert.equal(text(serializeValues([{ adjacent: [[1], [2]] }, 'x'])), '(1)(2) x');
});

test('serializer: astring and nstring', () => {
  assert.equal(astring('INBOX'), 'INBOX');
  assert.deepEqual(astring('two words'), { string: 'two words' });
  assert.deepEqual(astring(''), { string: '' });
  assert.deepEqual(astring('nil'), { string: 'nil' });
  assert.deepEqual(astring('a]b'), { string: 'a]b' });
  assert.deepEqual(astring('%'), { string: '%' });
  assert.equal(nstring(null), null);
  assert.deepEqual(nstring('x'), { string: 'x' });
});

test('tagged and status responses (RFC 9051 §7.1)', () => {
  assert.equal(text(tagged('A003', 'OK', 'APPEND completed', 'APPENDUID 38505 3955')), 'A003 OK [APPENDUID 38505 3955] APPEND completed\r\n');
  assert.equal(text(tagged('a', 'BAD', 'Unknown command\r\nX')), 'a BAD Unknown command X\r\n');
  assert.equal(text(untaggedStatus('BYE', 'Autologout; idle for too long')), '* BYE Autologout; idle for too long\r\n');
  assert.equal(text(untaggedStatus('OK', 'Limited', 'UIDVALIDITY 3857529045')), '* OK [UIDVALIDITY 3857529045] Limited\r\n');
  assert.equal(text(continuation('Ready for literal data')), '+ Ready for literal data\r\n');
});

test('FETCH response item names drop .PEEK and show the partial origin', () => {
  assert.equal(fetchItemName({ type: 'BODY[]', peek: true, section: { part: [] } }), 'BODY[]');
  assert.equal(fetchItemName({ type: 'BODY[]', peek: false, section: { part: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'X Y'] }, partial: { offset: 5, length: 10 } }), 'BODY[1.2.HEADER.FIELDS (From "X Y")]<5>');
  assert.equal(fetchItemName({ type: 'BODY[]', peek: false, section: { part: [3], text: 'MIME' } }), 'BODY[3.MIME]');
  assert.equal(fetchItemName({ type: 'BINARY', peek: true, part: [1], partial: { offset: 0, length: 1 } }), 'BINARY[1]<0>');
  assert.equal(fetchItemName({ type: 'BINARY.SIZE', part: [] }), 'BINARY.SIZE[]');
  assert.equal(fetchItemName({ type: 'RFC822.SIZE' }), 'RFC822.SIZE');
});

test('modified UTF-7 (RFC 3501 §5.1.3 examples)', () => {
  assert.equal(encodeMailboxName('~peter/mail/台北/日本語', false), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-', false), '~peter/mail/台北/日本語');
  assert.equal(encodeMailboxName('A&B', false), 'A&-B');
  assert.equal(decodeMailboxName('A&-B', false), 'A&B');
  assert.equal(encodeMailboxName('Entwürfe', false), 'Entw&APw-rfe');
  assert.equal(encodeMailboxName('😀', false), '&2D3eAA-');
  assert.equal(decodeMailboxName('&2D3eAA-', false), '😀');
  assert.equal(encodeMailboxName('Entwürfe', true), 'Entwürfe');
  assert.equal(decodeMailboxName('&Jjo-&', true), '&Jjo-&');
  for (const name of ['ä&ö', 'x y', '日本語 & more', '\u00a0', 'ü']) assert.equal(decodeMailboxName(encodeMailboxName(name, false), false), name);
  // Invalid: unterminated, bad base64, encoded ASCII, odd byte count, a lone surrogate, raw 8-bit.
  for (const bad of ['&Jjo', '&Jj!-', '&AGE-', '&AA-', '&2D0-', 'Entwürfe', '&U,BTF-']) assert.equal(decodeMailboxName(bad, false), null, bad);
});

test('LIST pattern matching (RFC 9051 §6.3.9)', () => {
  assert.equal(matchesListPattern('foo/bar', '', '*'), true);
  assert.equal(matchesListPattern('foo/bar', '', '%'), false);
  assert.equal(matchesListPattern('foo', '', '%'), true);
  assert.equal(matchesListPattern('foo/bar', '', 'foo/%'), true);
  assert.equal(matchesListPattern('foo/bar/baz', '', 'foo/%'), false);
  assert.equal(matchesListPattern('foo/bar/baz', 'foo/', '*'), true);
  assert.equal(matchesListPattern('foo/bar', 'foo/', '/bar'), true);
  assert.equal(matchesListPattern('foo/bar', 'foo', '/%'), true);
  assert.equal(matchesListPattern('INBOX', '', 'inbox'), true);
  assert.equal(matchesListPattern('INBOX/Sub', '', 'iNbOx/%'), true);
  assert.equal(matchesListPattern('INBOX/Sub', '', 'inbox/sub'), false);
  assert.equal(matchesListPattern('Inboxes', '', 'inbox%'), false);
  assert.equal(matchesListPattern('a.b', '', 'a.%', '.'), true);
  assert.equal(matchesListPattern('x', '', ''), false);
  assert.equal(matchesListPattern('a'.repeat(200), '', '*%*%*%*%*%*%b'), false);
});

test('sequence sets: parse, resolve `*`, format', () => {
  assert.deepEqual(parseSequenceSet('1:4,7,9:*'), { kind: 'set', ranges: [{ start: 1, end: 4 }, { start: 7, end: 7 }, { start: 9, end: '*' }] });
  assert.deepEqual(parseSequenceSet('$'), { kind: 'saved' });
  for (const bad of ['', '0', '1:', ':1', '1,,2', '01', 'a', '1:2:3', '4294967296', '$,1']) assert.equal(parseSequenceSet(bad), null, bad);
  assert.deepEqual(parseSequenceSet('4294967295'), { kind: 'set', ranges: [{ start: 4294967295, end: 4294967295 }] });
  const set = { ranges: [{ start: 9, end: '*' as const }, { start: 4, end: 1 }, { start: 5, end: 5 }] };
  assert.deepEqual(resolveSequenceSet(set, 12), [{ start: 1, end: 5 }, { start: 9, end: 12 }]);
  // RFC 9051 §6.4.8: 559:* includes the last UID even when 559 is past it.
  assert.deepEqual(resolveSequenceSet({ ranges: [{ start: 559, end: '*' }] }, 500), [{ start: 500, end: 559 }]);
  assert.deepEqual(resolveSequenceSet({ ranges: [{ start: 1, end: '*' }] }, 0), []);
  assert.equal(sequenceSetWithin({ ranges: [{ start: 1, end: '*' }] }, 3), true);
  assert.equal(sequenceSetWithin({ ranges: [{ start: 2, end: 4 }] }, 3), false);
  assert.equal(rangesContain([{ start: 1, end: 3 }, { start: 7, end: 9 }], 8), true);
  assert.equal(rangesContain([{ start: 1, end: 3 }, { start: 7, end: 9 }], 5), false);
  assert.equal(formatUidSet([5, 1, 2, 3, 3, 9, 10]), '1:3,5,9:10');
  assert.equal(formatUidSet([]), '');
  assert.equal(formatOrderedSet([4, 5, 6, 2, 8]), '4:6,2,8');
  assert.equal(formatSequenceSet({ kind: 'set', ranges: [{ start: 1, end: '*' }, { start: 3, end: 3 }] }), '1:*,3');
});

test('dates: date-time and search date (RFC 9051 §9)', () => {
  assert.equal(parseDateTime('17-Jul-1996 02:44:25 -0700'), Date.UTC(1996, 6, 17, 9, 44, 25));
  assert.equal(parseDateTime(' 7-Feb-1994 21:52:25 -0800'), Date.UTC(1994, 1, 8, 5, 52, 25));
  assert.equal(parseDateTime('7-feb-1994 21:52:25 +0000'), Date.UTC(1994, 1, 7, 21, 52, 25));
  for (const bad of ['29-Feb-2021 00:00:00 +0000', '1-Foo-2000 00:00:00 +0000', '1-Jan-2000 24:00:00 +0000', '1-Jan-2000 00:00:00', '1-Jan-2000 00:00:00 +0060']) assert.equal(parseDateTime(bad), null, bad);
  assert.equal(formatDateTime(Date.UTC(1996, 6, 17, 9, 44, 25)), '17-Jul-1996 09:44:25 +0000');
  assert.equal(formatDateTime(Date.UTC(2024, 0, 5, 0, 0, 0)), ' 5-Jan-2024 00:00:00 +0000');
  assert.equal(parseDateTime(formatDateTime(1700000000000)), 1700000000000);
  assert.equal(parseSearchDate('1-Feb-1994'), '1994-02-01');
  assert.equal(parseSearchDate('29-feb-2024'), '2024-02-29');
  for (const bad of ['29-Feb-2023', '1-Feb-94', '001-Feb-1994', '1 Feb 1994', '0-Jan-2000']) assert.equal(parseSearchDate(bad), null, bad);
});
