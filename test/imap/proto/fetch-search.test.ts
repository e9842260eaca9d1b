import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../../src/imap/proto/parser.ts';
import type { Command, FetchAttribute, ImapSearchKey } from '../../../src/imap/proto/types.ts';
import { failure, parse } from './helpers.ts';

function attributes(line: string): FetchAttribute[] {
  const command = parse(line);
  assert.equal(command.name, 'FETCH');
  return command.name === 'FETCH' ? command.attributes : [];
}

function searchKey(line: string): ImapSearchKey {
  const command = parse(line);
  assert.ok(command.name === 'SEARCH' || command.name === 'SORT' || command.name === 'THREAD');
  return command.key;
}

const flags = { type: 'FLAGS' } as const;
const internaldate = { type: 'INTERNALDATE' } as const;
const size = { type: 'RFC822.SIZE' } as const;
const envelope = { type: 'ENVELOPE' } as const;

test('FETCH macros expand (RFC 9051 §6.4.5)', () => {
  assert.deepEqual(attributes('a FETCH 1 ALL'), [flags, internaldate, size, envelope]);
  assert.deepEqual(attributes('a FETCH 1 fast'), [flags, internaldate, size]);
  assert.deepEqual(attributes('A654 FETCH 2:4 FULL'), [flags, internaldate, size, envelope, { type: 'BODY' }]);
});

test('FETCH sections and partials (RFC 9051 examples)', () => {
  assert.deepEqual(attributes('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])'), [
    flags,
    { type: 'BODY[]', peek: false, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] }, partial: undefined },
  ]);
  assert.deepEqual(attributes('a fetch 1 body.peek[]'), [{ type: 'BODY[]', peek: true, section: { part: [] }, partial: undefined }]);
  assert.deepEqual(attributes('a FETCH 1 (BODY[4.2.2.1.HEADER.FIELDS.NOT ("X-Foo" bar)]<0.2048> BODY[3.TEXT] BODY[1] BODY[2.MIME] BODY[HEADER] BODY[TEXT]<10.5>)'), [
    { type: 'BODY[]', peek: false, section: { part: [4, 2, 2, 1], text: 'HEADER.FIELDS.NOT', fields: ['X-Foo', 'bar'] }, partial: { offset: 0, length: 2048 } },
    { type: 'BODY[]', peek: false, section: { part: [3], text: 'TEXT' }, partial: undefined },
    { type: 'BODY[]', peek: false, section: { part: [1] }, partial: undefined },
    { type: 'BODY[]', peek: false, section: { part: [2], text: 'MIME' }, partial: undefined },
    { type: 'BODY[]', peek: false, section: { part: [], text: 'HEADER' }, partial: undefined },
    { type: 'BODY[]', peek: false, section: { part: [], text: 'TEXT' }, partial: { offset: 10, length: 5 } },
  ]);
  assert.deepEqual(attributes('a FETCH 1 (BODYSTRUCTURE BODY UID RFC822 RFC822.HEADER RFC822.TEXT MODSEQ EMAILID THREADID SAVEDATE)').map((a) => a.type), [
    'BODYSTRUCTURE',
    'BODY',
    'UID',
    'RFC822',
    'RFC822.HEADER',
    'RFC822.TEXT',
    'MODSEQ',
    'EMAILID',
    'THREADID',
    'SAVEDATE',
  ]);
  assert.deepEqual(attributes('a FETCH 1 RFC822.PEEK'), [{ type: 'BODY[]', peek: true, section: { part: [] } }]);
  assert.equal(failure('a FETCH 1 BODY[MIME]').message, 'MIME needs a part number, e.g. BODY[1.MIME]');
  assert.equal(failure('a FETCH 1 BODY[1.FOO]').message, 'Invalid section FOO');
  assert.equal(failure('a FETCH 1 BODY[]<0.0>').message, 'Invalid partial length: must not be 0');
  assert.equal(failure('a FETCH 1 (FLAGS').message, 'Unterminated fetch attribute list: missing ")"');
  assert.equal(failure('a FETCH 1 FOO').message, 'Unknown fetch attribute FOO');
  assert.equal(failure('a FETCH 1 BODY.PEEK').message, 'BODY.PEEK needs a section, e.g. BODY.PEEK[]');
  assert.equal(failure('a FETCH 1 (ALL)').message, 'Unknown fetch attribute ALL');
  assert.equal(failure('a FETCH 1').message, 'Missing fetch attributes');
});

test('BINARY fetch (RFC 3516)', () => {
  assert.deepEqual(attributes('a FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[] BINARY.SIZE[3])'), [
    { type: 'BINARY', peek: false, part: [1, 2], partial: { offset: 0, length: 100 } },
    { type: 'BINARY', peek: true, part: [], partial: undefined },
    { type: 'BINARY.SIZE', part: [3] },
  ]);
  assert.equal(failure('a FETCH 1 BINARY.SIZE').message, 'BINARY.SIZE needs a section, e.g. BINARY.SIZE[1]');
});

test('PREVIEW (RFC 8970)', () => {
  assert.deepEqual(attributes('a FETCH 1 (UID PREVIEW)'), [{ type: 'UID' }, { type: 'PREVIEW', lazy: false }]);
  assert.deepEqual(attributes('a FETCH 1 (PREVIEW (LAZY) FLAGS)'), [{ type: 'PREVIEW', lazy: true }, flags]);
  assert.equal(failure('a FETCH 1 (PREVIEW (FUZZY))').message, 'Unknown PREVIEW modifier FUZZY');
});

test('UID FETCH adds UID; CHANGEDSINCE adds MODSEQ; VANISHED needs both (RFC 7162)', () => {
  const fetch = parse('s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)') as Extract<Command, { name: 'FETCH' }>;
  assert.deepEqual(fetch, {
    name: 'FETCH',
    uid: true,
    set: { kind: 'set', ranges: [{ start: 1, end: '*' }] },
    attributes: [flags, { type: 'UID' }, { type: 'MODSEQ' }],
    changedSince: 12345,
    vanished: true,
  });
  assert.deepEqual(parse('a FETCH 1:* (FLAGS) (CHANGEDSINCE 0)'), {
    name: 'FETCH',
    uid: false,
    set: { kind: 'set', ranges: [{ start: 1, end: '*' }] },
    attributes: [flags, { type: 'MODSEQ' }],
    changedSince: 0,
    vanished: false,
  });
  assert.deepEqual(attributes('a UID FETCH 5 (UID FLAGS)'), [{ type: 'UID' }, flags]);
  assert.equal(failure('a FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)').message, 'VANISHED requires UID FETCH with CHANGEDSINCE');
  assert.equal(failure('a UID FETCH 1 FLAGS (VANISHED)').message, 'VANISHED requires UID FETCH with CHANGEDSINCE');
  assert.equal(failure('a FETCH 1 FLAGS (FOO)').message, 'Unknown FETCH modifier FOO');
});

test('SEARCH examples of RFC 9051 §6.4.4 and RFC 3501', () => {
  assert.deepEqual(searchKey('A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
    type: 'and',
    keys: [
      { type: 'flag', flag: '\\Flagged', set: true },
      { type: 'date', field: 'internal', op: 'since', date: '1994-02-01' },
      { type: 'not', key: { type: 'header', field: 'from', value: 'Smith' } },
    ],
  });
  assert.deepEqual(parse('A283 SEARCH RETURN () FLAGGED'), { name: 'SEARCH', uid: false, returnOptions: ['ALL'], key: { type: 'flag', flag: '\\Flagged', set: true } });
  assert.deepEqual(parse('A284 SEARCH TEXT "string not in mailbox"'), { name: 'SEARCH', uid: false, key: { type: 'text', field: 'text', value: 'string not in mailbox' } });
  assert.deepEqual(parse('A285 SEARCH CHARSET UTF-8 TEXT {12}\r\nмаилбокс'.replace('{12}', `{${Buffer.byteLength('маилбокс')}}`)), {
    name: 'SEARCH',
    uid: false,
    charset: 'UTF-8',
    key: { type: 'text', field: 'text', value: 'маилбокс' },
  });
  const latin1 = parseCommand(Buffer.concat([Buffer.from('a SEARCH CHARSET ISO-8859-1 BODY {1}\r\n'), Buffer.from([0xe9])]), { utf8Accept: false });
  assert.deepEqual('command' in latin1 && latin1.command.name === 'SEARCH' && latin1.command.key, { type: 'text', field: 'body', value: 'é' });
  assert.deepEqual(searchKey('A286 SEARCH OR SMALLER 1000 (SEEN UNANSWERED) 2:4,*'), {
    type: 'and',
    keys: [
      {
        type: 'or',
        keys: [
          { type: 'size', op: 'smaller', bytes: 1000 },
          { type: 'and', keys: [{ type: 'flag', flag: '\\Seen', set: true }, { type: 'flag', flag: '\\Answered', set: false }] },
        ],
      },
      { type: 'seqset', set: { kind: 'set', ranges: [{ start: 2, end: 4 }, { start: '*', end: '*' }] } },
    ],
  });
});

test('every search key', () => {
  const cases: [string, ImapSearchKey][] = [
    ['ALL', { type: 'all' }],
    ['ANSWERED', { type: 'flag', flag: '\\Answered', set: true }],
    ['BCC x', { type: 'header', field: 'bcc', value: 'x' }],
    ['BEFORE "31-Dec-2020"', { type: 'date', field: 'internal', op: 'before', date: '2020-12-31' }],
    ['BODY "a b"', { type: 'text', field: 'body', value: 'a b' }],
    ['CC x', { type: 'header', field: 'cc', value: 'x' }],
    ['DELETED', { type: 'flag', flag: '\\Deleted', set: true }],
    ['DRAFT', { type: 'flag', flag: '\\Draft', set: true }],
    ['FLAGGED', { type: 'flag', flag: '\\Flagged', set: true }],
    ['FROM x', { type: 'header', field: 'from', value: 'x' }],
    ['HEADER Message-ID "<a@b>"', { type: 'header', field: 'message-id', value: '<a@b>' }],
    ['HEADER X-Spam ""', { type: 'header', field: 'x-spam', value: '' }],
    ['KEYWORD $Forwarded', { type: 'flag', flag: '$Forwarded', set: true }],
    ['LARGER 5000', { type: 'size', op: 'larger', bytes: 5000 }],
    ['NEW', { type: 'and', keys: [{ type: 'recent' }, { type: 'flag', flag: '\\Seen', set: false }] }],
    ['RECENT', { type: 'recent' }],
    ['OLD', { type: 'not', key: { type: 'recent' } }],
    ['NOT SEEN', { type: 'not', key: { type: 'flag', flag: '\\Seen', set: true } }],
    ['ON 1-Jan-2000', { type: 'date', field: 'internal', op: 'on', date: '2000-01-01' }],
    ['OR SEEN FLAGGED', { type: 'or', keys: [{ type: 'flag', flag: '\\Seen', set: true }, { type: 'flag', flag: '\\Flagged', set: true }] }],
    ['SEEN', { type: 'flag', flag: '\\Seen', set: true }],
    ['SENTBEFORE 1-Jan-2000', { type: 'date', field: 'sent', op: 'before', date: '2000-01-01' }],
    ['SENTON 1-Jan-2000', { type: 'date', field: 'sent', op: 'on', date: '2000-01-01' }],
    ['SENTSINCE 1-Jan-2000', { type: 'date', field: 'sent', op: 'since', date: '2000-01-01' }],
    ['SINCE 1-Jan-2000', { type: 'date', field: 'internal', op: 'since', date: '2000-01-01' }],
    ['SMALLER 10', { type: 'size', op: 'smaller', bytes: 10 }],
    ['SUBJECT "re: hi"', { type: 'header', field: 'subject', value: 're: hi' }],
    ['TEXT x', { type: 'text', field: 'text', value: 'x' }],
    ['TO x', { type: 'header', field: 'to', value: 'x' }],
    ['UID 1:5,$', { type: 'uidset', set: { kind: 'set', ranges: [{ start: 1, end: 5 }] } }],
    ['UID $', { type: 'uidset', set: { kind: 'saved' } }],
    ['$', { type: 'seqset', set: { kind: 'saved' } }],
    ['UNANSWERED', { type: 'flag', flag: '\\Answered', set: false }],
    ['UNDELETED', { type: 'flag', flag: '\\Deleted', set: false }],
    ['UNDRAFT', { type: 'flag', flag: '\\Draft', set: false }],
    ['UNFLAGGED', { type: 'flag', flag: '\\Flagged', set: false }],
    ['UNKEYWORD $Junk', { type: 'flag', flag: '$Junk', set: false }],
    ['UNSEEN', { type: 'flag', flag: '\\Seen', set: false }],
    ['MODSEQ 620162338', { type: 'modseq', modseq: 620162338 }],
    ['MODSEQ "/flags/\\\\draft" all 620162338', { type: 'modseq', modseq: 620162338 }],
    ['OLDER 3600', { type: 'age', op: 'older', seconds: 3600 }],
    ['YOUNGER 60', { type: 'age', op: 'younger', seconds: 60 }],
    ['EMAILID M6d99ac3275bb4e', { type: 'emailid', id: 'M6d99ac3275bb4e' }],
    ['THREADID T64b478a75b7ea9', { type: 'threadid', id: 'T64b478a75b7ea9' }],
    ['(((SEEN)))', { type: 'flag', flag: '\\Seen', set: true }],
    ['unseen larger 10', { type: 'and', keys: [{ type: 'flag', flag: '\\Seen', set: false }, { type: 'size', op: 'larger', bytes: 10 }] }],
  ];
  for (const [text, key] of cases) {
    // `UID 1:5,$` is not a valid set: the `$` must stand alone.
    if (text === 'UID 1:5,$') {
      assert.equal(failure(`a SEARCH ${text}`).message, 'Invalid sequence set 1:5,$');
      continue;
    }
    assert.deepEqual(searchKey(`a SEARCH ${text}`), key, text);
  }
});

test('search failures say what is wrong', () => {
  assert.equal(failure('a SEARCH FOO').message, 'Unknown search key FOO');
  assert.equal(failure('a SEARCH SINCE 30-Feb-2020').message, 'Invalid date 30-Feb-2020 after SINCE (expected e.g. 1-Feb-1994)');
  assert.equal(failure('a SEARCH FROM').message, 'Missing search text after FROM');
  assert.equal(failure('a SEARCH OR SEEN').message, 'Missing second search key after OR');
  assert.equal(failure('a SEARCH ()').message, 'Empty search key list');
  assert.equal(failure('a SEARCH RETURN (FOO) ALL').message, 'Unknown search return option FOO');
  assert.deepEqual(failure('a SEARCH CHARSET KOI9 ALL'), { tag: 'a', message: 'Unsupported charset KOI9', code: 'BADCHARSET (UTF-8 US-ASCII)' });
  assert.equal(failure(`a SEARCH ${'NOT '.repeat(5000)}ALL`).message, 'Search keys nested too deeply');
  assert.equal(failure(`a SEARCH ${'('.repeat(5000)}`).message, 'Search keys nested too deeply');
});

test('ESEARCH return options (RFC 4731) and SEARCHRES SAVE (RFC 5182)', () => {
  assert.deepEqual(parse('A301 SEARCH RETURN (SAVE) SINCE 28-Oct-2006 NOT FROM "eric"').name, 'SEARCH');
  const command = parse('a UID SEARCH RETURN (MIN MAX COUNT ALL SAVE) UNDELETED');
  assert.deepEqual(command.name === 'SEARCH' && command.returnOptions, ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE']);
  assert.equal(command.name === 'SEARCH' && command.uid, true);
});

test('SORT (RFC 5256, RFC 5957) and ESORT (RFC 5267)', () => {
  assert.deepEqual(parse('A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL'), {
    name: 'SORT',
    uid: false,
    criteria: [
      { key: 'subject', reverse: false },
      { key: 'date', reverse: true },
    ],
    charset: 'UTF-8',
    key: { type: 'all' },
  });
  assert.deepEqual(parse('A285 SORT (SUBJECT) US-ASCII TEXT "not in mailbox"'), {
    name: 'SORT',
    uid: false,
    criteria: [{ key: 'subject', reverse: false }],
    charset: 'US-ASCII',
    key: { type: 'text', field: 'text', value: 'not in mailbox' },
  });
  assert.deepEqual(parse('C01 UID SORT (DISPLAYFROM reverse displayto ARRIVAL CC FROM SIZE TO) UTF-8 SINCE 1-Feb-1994'), {
    name: 'SORT',
    uid: true,
    criteria: [
      { key: 'displayfrom', reverse: false },
      { key: 'displayto', reverse: true },
      { key: 'arrival', reverse: false },
      { key: 'cc', reverse: false },
      { key: 'from', reverse: false },
      { key: 'size', reverse: false },
      { key: 'to', reverse: false },
    ],
    charset: 'UTF-8',
    key: { type: 'date', field: 'internal', op: 'since', date: '1994-02-01' },
  });
  assert.deepEqual(parse('A282 SORT RETURN (MIN) (DATE) UTF-8 SINCE 1-Mar-2000'), {
    name: 'SORT',
    uid: false,
    criteria: [{ key: 'date', reverse: false }],
    charset: 'UTF-8',
    returnOptions: ['MIN'],
    key: { type: 'date', field: 'internal', op: 'since', date: '2000-03-01' },
  });
  assert.equal(failure('a SORT (FOO) UTF-8 ALL').message, 'Unknown sort key FOO');
  assert.equal(failure('a SORT (DATE) ALL').message, 'Unsupported charset ALL');
});

test('THREAD (RFC 5256 examples)', () => {
  assert.deepEqual(parse('A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000'), {
    name: 'THREAD',
    uid: false,
    algorithm: 'orderedsubject',
    charset: 'UTF-8',
    key: { type: 'date', field: 'internal', op: 'since', date: '2000-03-05' },
  });
  assert.deepEqual(parse('A284 UID THREAD REFERENCES US-ASCII TEXT "gewp"'), {
    name: 'THREAD',
    uid: true,
    algorithm: 'references',
    charset: 'US-ASCII',
    key: { type: 'text', field: 'text', value: 'gewp' },
  });
  assert.equal(failure('a THREAD REFS UTF-8 ALL').message, 'Unsupported thread algorithm REFS');
});
