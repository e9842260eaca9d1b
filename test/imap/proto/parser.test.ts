import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../../src/imap/proto/parser.ts';
import { failure, parse } from './helpers.ts';

const set = (...ranges: [number | '*', number | '*'][]) => ({ kind: 'set' as const, ranges: ranges.map(([start, end]) => ({ start, end })) });

test('tags: any ASTRING-CHAR but +, and the tag comes back on failure', () => {
  assert.deepEqual(parseCommand(Buffer.from('a.b]c NOOP'), { utf8Accept: false }), { tag: 'a.b]c', command: { name: 'NOOP' } });
  assert.deepEqual(failure('a+b NOOP'), { message: 'Missing or invalid tag' });
  assert.deepEqual(failure('* NOOP'), { message: 'Missing or invalid tag' });
  assert.deepEqual(failure(''), { message: 'Empty command line' });
  assert.deepEqual(failure('abc'), { tag: 'abc', message: 'Missing command name' });
  assert.deepEqual(failure('A1 XYZ'), { tag: 'A1', message: 'Unknown command XYZ' });
  assert.deepEqual(failure('A1 NOOP extra'), { tag: 'A1', message: 'Unexpected characters at the end of the command: "extra"' });
});

test('commands without arguments, any case', () => {
  for (const name of ['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE']) {
    assert.deepEqual(parse(`a ${name.toLowerCase()}`), { name });
  }
  assert.deepEqual(parse('a EXPUNGE'), { name: 'EXPUNGE', uid: false });
});

test('LOGIN with atoms, quoted strings with escapes, and literals (RFC 9051 §6.2.3)', () => {
  assert.deepEqual(parse('a001 LOGIN SMITH SESAME'), { name: 'LOGIN', user: 'SMITH', password: 'SESAME' });
  assert.deepEqual(parse('a LOGIN "fred" "a \\"b\\" \\\\c"'), { name: 'LOGIN', user: 'fred', password: 'a "b" \\c' });
  assert.deepEqual(parse('A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man'), { name: 'LOGIN', user: 'FRED FOOBAR', password: 'fat man' });
  assert.deepEqual(parse('A001 LOGIN {5+}\r\nJörg ""'), { name: 'LOGIN', user: 'Jörg', password: '' });
  assert.deepEqual(parse('a LOGIN "jörg" pw'), { name: 'LOGIN', user: 'jörg', password: 'pw' });
  assert.equal(failure('a LOGIN "fred\\x" pw').message, 'Invalid escape in quoted string (only \\" and \\\\ are allowed)');
  assert.equal(failure('a LOGIN fred').message, 'Missing password');
  assert.equal(failure('a LOGIN "fred').message, 'Unterminated quoted string');
  assert.equal(failure('a LOGIN {10}\r\nabc').message, 'Literal shorter than announced');
  assert.equal(failure('a LOGIN {3}\r\na\0c x').message, 'NUL in a literal (use ~{n} for binary data)');
});

test('AUTHENTICATE with and without SASL-IR (RFC 4959)', () => {
  assert.deepEqual(parse('A01 AUTHENTICATE PLAIN'), { name: 'AUTHENTICATE', mechanism: 'PLAIN' });
  assert.deepEqual(parse('a authenticate plain dGVzdAB0ZXN0AHRlc3Q='), { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'dGVzdAB0ZXN0AHRlc3Q=' });
  assert.deepEqual(parse('a AUTHENTICATE EXTERNAL ='), { name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: '' });
  assert.equal(failure('a AUTHENTICATE PLAIN %%%').message, 'Missing initial response');
});

test('ID (RFC 2971 examples)', () => {
  assert.deepEqual(parse('a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'), {
    name: 'ID',
    params: { name: 'sodr', version: '19.34', vendor: 'Pink Floyd Music Limited' },
  });
  assert.deepEqual(parse('a ID NIL'), { name: 'ID', params: null });
  assert.deepEqual(parse('a ID ("os" NIL)'), { name: 'ID', params: { os: null } });
  assert.deepEqual(parse('a ID ()'), { name: 'ID', params: {} });
  assert.equal(failure('a ID ("name")').message, 'ID parameters must come in field/value pairs');
});

test('ENABLE (RFC 5161)', () => {
  assert.deepEqual(parse('t2 ENABLE CONDSTORE qresync UTF8=ACCEPT'), { name: 'ENABLE', capabilities: ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT'] });
  assert.equal(failure('t2 ENABLE').message, 'Missing capability to enable');
});

test('SELECT and EXAMINE with CONDSTORE and QRESYNC (RFC 7162 examples)', () => {
  assert.deepEqual(parse('A142 SELECT INBOX'), { name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: undefined });
  assert.deepEqual(parse('A142 select inbox'), { name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: undefined });
  assert.deepEqual(parse('A932 EXAMINE blurdybloop'), { name: 'EXAMINE', mailbox: 'blurdybloop', condstore: false, qresync: undefined });
  assert.deepEqual(parse('a SELECT INBOX (CONDSTORE)'), { name: 'SELECT', mailbox: 'INBOX', condstore: true, qresync: undefined });
  assert.deepEqual(parse('A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))'), {
    name: 'SELECT',
    mailbox: 'INBOX',
    condstore: false,
    qresync: { uidvalidity: 67890007, modseq: 20050715194045000, knownUids: set([41, 41], [43, 211], [214, 541]) },
  });
  assert.deepEqual(parse('B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))').name, 'SELECT');
  assert.deepEqual(parse('B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))'), {
    name: 'SELECT',
    mailbox: 'INBOX',
    condstore: false,
    qresync: {
      uidvalidity: 67890007,
      modseq: 90060115194045000,
      knownUids: set([1, 29997]),
      seqMatch: {
        seqs: set([5000, 5000], [7500, 7500], [9000, 9000], [9990, 9999]),
        uids: set(...[15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map((n): [number, number] => [n, n])),
      },
    },
  });
  assert.deepEqual(parse('a SELECT INBOX (QRESYNC (1 2 (1:2 3:4)))'), {
    name: 'SELECT',
    mailbox: 'INBOX',
    condstore: false,
    qresync: { uidvalidity: 1, modseq: 2, seqMatch: { seqs: set([1, 2]), uids: set([3, 4]) } },
  });
  assert.equal(failure('a SELECT').message, 'Missing mailbox name');
  assert.equal(failure('a SELECT INBOX (FOO)').message, 'Unknown SELECT parameter FOO');
});

test('mailbox names: modified UTF-7 decoded unless UTF8=ACCEPT, INBOX case-insensitive', () => {
  assert.deepEqual(parse('A004 CREATE ~peter/mail/&U,BTFw-/&ZeVnLIqe-'), { name: 'CREATE', mailbox: '~peter/mail/台北/日本語', specialUse: [] });
  assert.deepEqual(parse('a DELETE "Entw&APw-rfe"'), { name: 'DELETE', mailbox: 'Entwürfe' });
  assert.deepEqual(parse('a DELETE "Entwürfe &"', true), { name: 'DELETE', mailbox: 'Entwürfe &' });
  assert.deepEqual(parse('a SUBSCRIBE iNbOx'), { name: 'SUBSCRIBE', mailbox: 'INBOX' });
  assert.deepEqual(parse('a UNSUBSCRIBE {5}\r\ninbox'), { name: 'UNSUBSCRIBE', mailbox: 'INBOX' });
  assert.equal(failure('a DELETE &Jjo').message, 'Invalid mailbox name: not valid modified UTF-7 (RFC 3501 §5.1.3)');
  assert.equal(failure('a DELETE "Entwürfe"').message, 'Invalid mailbox name: not valid modified UTF-7 (RFC 3501 §5.1.3)');
  assert.equal(failure('a DELETE ""').message, 'Empty mailbox name');
  assert.deepEqual(parse('A683 RENAME blurdybloop sarasoop'), { name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' });
  assert.equal(failure('A683 RENAME blurdybloop').message, 'Missing new mailbox name');
});

test('CREATE with special-use (RFC 6154 §5.2 example)', () => {
  assert.deepEqual(parse('t1 CREATE MySpecialArchive (USE (\\Archive))'), { name: 'CREATE', mailbox: 'MySpecialArchive', specialUse: ['\\Archive'] });
  assert.deepEqual(parse('t1 CREATE x (USE (\\drafts \\Sent))'), { name: 'CREATE', mailbox: 'x', specialUse: ['\\Drafts', '\\Sent'] });
  assert.equal(failure('t1 CREATE x (FOO)').message, 'Unknown CREATE parameter FOO');
});

test('LIST basic (RFC 9051 §6.3.9 examples)', () => {
  const basic = { name: 'LIST', selection: [], returnSubscribed: false, returnChildren: false, returnSpecialUse: false, extended: false };
  assert.deepEqual(parse('A101 LIST "" ""'), { ...basic, reference: '', patterns: [''] });
  assert.deepEqual(parse('A102 LIST #news.comp.mail.misc ""'), { ...basic, reference: '#news.comp.mail.misc', patterns: [''] });
  assert.deepEqual(parse('A202 LIST ~/Mail/ %'), { ...basic, reference: '~/Mail/', patterns: ['%'] });
  assert.deepEqual(parse('a LIST "" *'), { ...basic, reference: '', patterns: ['*'] });
  assert.deepEqual(parse('a LIST "" INBOX.%]'), { ...basic, reference: '', patterns: ['INBOX.%]'] });
  assert.deepEqual(parse('a LIST "" "&ZeVnLIqe-/%"'), { ...basic, reference: '', patterns: ['日本語/%'] });
});

test('LIST extended (RFC 5258, RFC 5819, RFC 6154 examples)', () => {
  assert.deepEqual(parse('A01 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)'), {
    name: 'LIST',
    reference: '',
    patterns: ['%'],
    selection: ['SUBSCRIBED', 'RECURSIVEMATCH'],
    returnSubscribed: false,
    returnChildren: true,
    returnSpecialUse: false,
    extended: true,
  });
  assert.deepEqual(parse('A04 LIST (REMOTE) "" ("INBOX" "Drafts" "Sent/%")'), {
    name: 'LIST',
    reference: '',
    patterns: ['INBOX', 'Drafts', 'Sent/%'],
    selection: ['REMOTE'],
    returnSubscribed: false,
    returnChildren: false,
    returnSpecialUse: false,
    extended: true,
  });
  assert.deepEqual(parse('A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))'), {
    name: 'LIST',
    reference: '',
    patterns: ['%'],
    selection: [],
    returnSubscribed: false,
    returnChildren: false,
    returnSpecialUse: false,
    returnStatus: ['MESSAGES', 'UNSEEN'],
    extended: true,
  });
  assert.deepEqual(parse('t3 LIST (SPECIAL-USE) "" "*" RETURN (SUBSCRIBED special-use)'), {
    name: 'LIST',
    reference: '',
    patterns: ['*'],
    selection: ['SPECIAL-USE'],
    returnSubscribed: true,
    returnChildren: false,
    returnSpecialUse: true,
    extended: true,
  });
  assert.equal(parse('a LIST () "" "*" RETURN ()').name, 'LIST');
  assert.equal(failure('A01 LIST (RECURSIVEMATCH) "" "%"').message, 'RECURSIVEMATCH needs another selection option such as SUBSCRIBED');
  assert.equal(failure('A01 LIST (FOO) "" "%"').message, 'Unknown LIST selection option FOO');
  assert.equal(failure('A01 LIST "" "%" RETURN (FOO)').message, 'Unknown LIST return option FOO');
  assert.equal(failure('A01 LIST ""').message, 'Missing mailbox pattern');
});

test('LSUB and XLIST', () => {
  assert.deepEqual(parse('A002 LSUB "#news." "comp.mail.*"'), { name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' });
  assert.deepEqual(parse('a XLIST "" *'), { name: 'XLIST', reference: '', pattern: '*' });
});

test('STATUS (RFC 9051 §6.3.11, RFC 8438, RFC 7162)', () => {
  assert.deepEqual(parse('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), { name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] });
  assert.deepEqual(parse('a STATUS INBOX (size highestmodseq APPENDLIMIT MAILBOXID DELETED UNSEEN UIDVALIDITY RECENT)').name, 'STATUS');
  assert.equal(failure('a STATUS INBOX (FOO)').message, 'Unknown status item FOO');
  assert.equal(failure('a STATUS INBOX ()').message, 'Empty status item list');
  assert.equal(failure('a STATUS INBOX (MESSAGES').message, 'Unterminated status item list: missing ")"');
});

test('APPEND, MULTIAPPEND (RFC 3502), BINARY (RFC 3516) and UTF8 (RFC 6855)', () => {
  const msg = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n';
  const one = parse(`A003 APPEND saved-messages (\\Seen) {${msg.length}}\r\n${msg}`);
  assert.deepEqual(one, { name: 'APPEND', mailbox: 'saved-messages', messages: [{ flags: ['\\Seen'], data: Buffer.from(msg), binary: false }] });
  const multi = parse('A003 APPEND saved-messages (\\Seen) "15-Nov-2021 22:30:00 +0100" {3}\r\nabc {3+}\r\ndef "7-Feb-1994 21:52:25 -0800" ~{3}\r\na\0c');
  assert.deepEqual(multi, {
    name: 'APPEND',
    mailbox: 'saved-messages',
    messages: [
      { flags: ['\\Seen'], date: Date.UTC(2021, 10, 15, 21, 30), data: Buffer.from('abc'), binary: false },
      { flags: [], data: Buffer.from('def'), binary: false },
      { flags: [], date: Date.UTC(1994, 1, 8, 5, 52, 25), data: Buffer.from('a\0c'), binary: true },
    ],
  });
  assert.deepEqual(parse('a APPEND Entwürfe (\\Draft $Label) UTF8 (~{2}\r\nhi)', true), {
    name: 'APPEND',
    mailbox: 'Entwürfe',
    messages: [{ flags: ['\\Draft', '$Label'], data: Buffer.from('hi'), binary: true }],
  });
  assert.deepEqual(parse('a APPEND x () {0}\r\n'), { name: 'APPEND', mailbox: 'x', messages: [{ flags: [], data: Buffer.alloc(0), binary: false }] });
  assert.equal(failure('a APPEND x "32-Feb-2021 00:00:00 +0000" {1}\r\nx').message, 'Invalid date-time "32-Feb-2021 00:00:00 +0000" (expected e.g. "17-Jul-1996 02:44:25 -0700")');
  assert.equal(failure('a APPEND x').message, 'Missing message literal');
  assert.equal(failure('a APPEND x "abc"').message, 'Invalid date-time "abc" (expected e.g. "17-Jul-1996 02:44:25 -0700")');
  assert.equal(failure('a LOGIN ~{1}\r\nx y').message, 'A binary literal (~{n}) is only allowed in APPEND');
});

test('STORE (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE)', () => {
  assert.deepEqual(parse('A003 STORE 2:4 +FLAGS (\\Deleted)'), { name: 'STORE', uid: false, set: set([2, 4]), mode: 'add', silent: false, flags: ['\\Deleted'], unchangedSince: undefined });
  assert.deepEqual(parse('a UID STORE 1,3:* -flags.silent \\seen $Junk'), { name: 'STORE', uid: true, set: set([1, 1], [3, '*']), mode: 'remove', silent: true, flags: ['\\Seen', '$Junk'], unchangedSince: undefined });
  assert.deepEqual(parse('a STORE 1 FLAGS ()'), { name: 'STORE', uid: false, set: set([1, 1]), mode: 'replace', silent: false, flags: [], unchangedSince: undefined });
  assert.deepEqual(parse('d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)'), {
    name: 'STORE',
    uid: false,
    set: set([7, 7], [5, 5], [9, 9]),
    mode: 'add',
    silent: true,
    flags: ['\\Deleted'],
    unchangedSince: 320162338,
  });
  assert.equal(failure('a STORE 1 XFLAGS (\\Seen)').message, 'Invalid STORE item XFLAGS (expected FLAGS, +FLAGS or -FLAGS)');
  assert.equal(failure('a STORE 0 FLAGS (\\Seen)').message, 'Invalid sequence set 0');
  assert.equal(failure('a STORE 1').message, 'Missing flags item');
});

test('COPY, MOVE, UID EXPUNGE with sequence sets and $', () => {
  assert.deepEqual(parse('A003 COPY 2:4 MEETING'), { name: 'COPY', uid: false, set: set([2, 4]), mailbox: 'MEETING' });
  assert.deepEqual(parse('a UID MOVE 42:69 foo'), { name: 'MOVE', uid: true, set: set([42, 69]), mailbox: 'foo' });
  assert.deepEqual(parse('a MOVE $ Trash'), { name: 'MOVE', uid: false, set: { kind: 'saved' }, mailbox: 'Trash' });
  assert.deepEqual(parse('A003 UID EXPUNGE 3000:3002'), { name: 'EXPUNGE', uid: true, set: set([3000, 3002]) });
  assert.equal(failure('a UID EXPUNGE').message, 'Missing UID set');
  assert.equal(failure('a UID LOGIN x y').message, 'UID LOGIN is not a command');
  assert.equal(failure('a COPY 1:2:3 x').message, 'Invalid sequence set 1:2:3');
  assert.equal(failure('a COPY 4294967296 x').message, 'Invalid sequence set 4294967296');
});

test('quota (RFC 9208) and ACL (RFC 4314) commands', () => {
  assert.deepEqual(parse('G0001 GETQUOTA "!partition/sda4"'), { name: 'GETQUOTA', root: '!partition/sda4' });
  assert.deepEqual(parse('A003 GETQUOTAROOT INBOX'), { name: 'GETQUOTAROOT', mailbox: 'INBOX' });
  assert.deepEqual(parse('S0000 SETQUOTA "#user/alice" (STORAGE 510)'), { name: 'SETQUOTA', root: '#user/alice', limits: [{ resource: 'STORAGE', limit: 510 }] });
  assert.deepEqual(parse('a SETQUOTA "" (storage 1 MESSAGE 2)'), { name: 'SETQUOTA', root: '', limits: [{ resource: 'STORAGE', limit: 1 }, { resource: 'MESSAGE', limit: 2 }] });
  assert.deepEqual(parse('A002 SETACL INBOX/Drafts John lrQswicda'), { name: 'SETACL', mailbox: 'INBOX/Drafts', identifier: 'John', rights: 'lrQswicda' });
  assert.deepEqual(parse('A003 SETACL INBOX/Drafts Chris +cda'), { name: 'SETACL', mailbox: 'INBOX/Drafts', identifier: 'Chris', rights: '+cda' });
  assert.deepEqual(parse('A002 GETACL INBOX'), { name: 'GETACL', mailbox: 'INBOX' });
  assert.deepEqual(parse('A003 DELETEACL INBOX/Drafts Chris'), { name: 'DELETEACL', mailbox: 'INBOX/Drafts', identifier: 'Chris' });
  assert.deepEqual(parse('a LISTRIGHTS ~/Mail/saved smith'), { name: 'LISTRIGHTS', mailbox: '~/Mail/saved', identifier: 'smith' });
  assert.deepEqual(parse('A003 MYRIGHTS INBOX'), { name: 'MYRIGHTS', mailbox: 'INBOX' });
});

test('COMPRESS (RFC 4978)', () => {
  assert.deepEqual(parse('a COMPRESS deflate'), { name: 'COMPRESS', mechanism: 'DEFLATE' });
});
