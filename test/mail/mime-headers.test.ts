// Header-level decoding: RFC 2047 words, RFC 2231 parameters, addresses, dates, ids, subjects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseSubject, decodeHeaderValue, parseAddressList, parseDate, parseMessage, parseMessageIds } from '../../src/mail/mime/index.ts';

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

test('RFC 2047 §8: encoded words and the white space between them', () => {
  const cases: [string, string][] = [
    ['(=?ISO-8859-1?Q?a?=)', '(a)'],
    ['(=?ISO-8859-1?Q?a?= b)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a_b?=)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)', '(a b)'],
    ['=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=', 'Keld Jørn Simonsen'],
    ['=?ISO-8859-1?Q?Andr=E9?= Pirard', 'André Pirard'],
    [
      '=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=',
      'If you can read this you understand the example.',
    ],
    // RFC 2231 §5: a language tag after the charset.
    ['=?US-ASCII*EN?Q?Keith_Moore?=', 'Keith Moore'],
  ];
  for (const [input, expected] of cases) assert.equal(decodeHeaderValue(input), expected, input);
});

test('encoded words: split UTF-8 characters, unknown charsets, broken words, raw UTF-8', () => {
  // "é" (C3 A9) split across two words, which RFC 2047 §5 forbids but senders do.
  assert.equal(decodeHeaderValue('=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?='), 'café');
  assert.equal(decodeHeaderValue('=?utf-8?B?w6k=?='), 'é');
  assert.equal(decodeHeaderValue('=?x-unknown?Q?plain?='), 'plain');
  assert.equal(decodeHeaderValue('=?utf-7?Q?Fr+APY-sche?='), 'Frösche');
  assert.equal(decodeHeaderValue('=?iso-2022-jp?B?GyRCJEgbKEI=?='), 'と');
  assert.equal(decodeHeaderValue('not =?encoded'), 'not =?encoded');
  assert.equal(decodeHeaderValue('  Grüße  '), 'Grüße');
  const m = parseMessage(Buffer.concat([Buffer.from('Subject: '), Buffer.from('Grüße aus Köln', 'utf8'), Buffer.from('\r\n\r\n')]));
  assert.equal(m.subject, 'Grüße aus Köln');
});

test('RFC 2231 parameters: continuations, charsets, languages', () => {
  const raw = crlf(`Content-Type: multipart/mixed; boundary=b

--b
Content-Type: message/external-body; access-type=URL;
 URL*0="ftp://";
 URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"

--b
Content-Type: application/x-stuff;
 title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A

--b
Content-Type: application/x-stuff;
 title*0*=us-ascii'en'This%20is%20even%20more%20;
 title*1*=%2A%2A%2Afun%2A%2A%2A%20;
 title*2="isn't it!"

--b
Content-Type: text/plain; charset=iso-8859-1; name="=?iso-8859-1?Q?Fr=F6sche.txt?="
Content-Disposition: attachment; filename*="iso-8859-1''HasenundFr%F6sche.txt"; filename="Hasen.txt"

x
--b--
`);
  const m = parseMessage(raw);
  const [url, fun, more, file] = m.body.parts;
  assert.deepEqual(url.params, { 'access-type': 'URL', url: 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar' });
  assert.equal(fun.params.title, 'This is ***fun***');
  assert.equal(more.params.title, "This is even more ***fun*** isn't it!");
  assert.deepEqual(file.disposition, {
    type: 'attachment',
    params: { filename: 'HasenundFrösche.txt' },
    rawParams: [
      ['filename', 'Hasen.txt'],
      ['filename*', "iso-8859-1''HasenundFr%F6sche.txt"],
    ],
  });
  // IMAP gets RFC 2231 parameters as written (RFC 2231 §3-4 sections joined, not decoded).
  assert.deepEqual(url.rawParams, [
    ['access-type', 'URL'],
    ['URL', 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar'],
  ]);
  assert.deepEqual(fun.rawParams, [['title*', "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"]]);
  assert.deepEqual(more.rawParams, [['title*', "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!"]]);
  assert.equal(m.attachments.find((a) => a.partPath === '4')?.filename, 'HasenundFrösche.txt');
});

test('Content-Type quirks: case, missing ";", bad syntax, comments', () => {
  const ct = (header: string): { type: string; subtype: string; params: Record<string, string> } => {
    const { type, subtype, params } = parseMessage(crlf(`${header}\n\nx`)).body;
    return { type, subtype, params };
  };
  assert.deepEqual(ct('Content-Type: TEXT/HTML; CHARSET="UTF-8"'), { type: 'text', subtype: 'html', params: { charset: 'UTF-8' } });
  assert.deepEqual(ct('Content-Type: text/plain (comment); format=flowed'), { type: 'text', subtype: 'plain', params: { format: 'flowed' } });
  assert.deepEqual(ct('Content-Type: application/octet-stream; name=my file.pdf'), { type: 'application', subtype: 'octet-stream', params: { name: 'my file.pdf' } });
  assert.deepEqual(ct('Content-Type: image/png\n\tname="a.png"'), { type: 'image', subtype: 'png', params: { name: 'a.png' } });
  assert.deepEqual(ct('Content-Type: garbage'), { type: 'text', subtype: 'plain', params: {} });
  assert.deepEqual(ct('Content-Type: text/plain; a="x\\"y"; b'), { type: 'text', subtype: 'plain', params: { a: 'x"y' } });
  const part = parseMessage(crlf('Content-Transfer-Encoding: BASE64 (yes)\nContent-ID: <id@x>\nContent-Language: en, de (German)\nContent-Location: http://example.com/\n a.png\nContent-Description: =?utf-8?Q?kept?=\n\nx')).body;
  assert.equal(part.encoding, 'base64');
  assert.equal(part.id, '<id@x>');
  assert.deepEqual(part.language, ['en', 'de']);
  assert.equal(part.location, 'http://example.com/a.png');
  assert.equal(part.description, '=?utf-8?Q?kept?=');
});

test('RFC 5322 appendix A address lists, groups and obsolete forms', () => {
  assert.deepEqual(parseAddressList(' "Joe Q. Public" <john.q.public@example.com>'), [{ name: 'Joe Q. Public', address: 'john.q.public@example.com' }]);
  assert.deepEqual(parseAddressList('Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>'), [
    { name: 'Mary Smith', address: 'mary@x.test' },
    { name: '', address: 'jdoe@example.org' },
    { name: 'Who?', address: 'one@y.test' },
  ]);
  assert.deepEqual(parseAddressList('<boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>'), [
    { name: '', address: 'boss@nil.test' },
    { name: 'Giant; "Big" Box', address: 'sysservices@example.net' },
  ]);
  assert.deepEqual(parseAddressList('A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;'), [
    { group: 'A Group', members: [{ name: 'Ed Jones', address: 'c@a.test' }, { name: '', address: 'joe@where.test' }, { name: 'John', address: 'jdoe@one.test' }] },
  ]);
  assert.deepEqual(parseAddressList('Undisclosed recipients:;'), [{ group: 'Undisclosed recipients', members: [] }]);
  assert.deepEqual(parseAddressList('Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>'), [{ name: 'Pete', address: 'pete@silly.test' }]);
  assert.deepEqual(
    parseAddressList("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)"),
    [{ group: 'A Group', members: [{ name: 'Chris Jones', address: 'c@public.example' }, { name: '', address: 'joe@example.org' }, { name: 'John', address: 'jdoe@one.test' }] }],
  );
  // Appendix A.6: obsolete routes (kept apart for IMAP's ENVELOPE), empty list elements, spaces around dots.
  assert.deepEqual(parseAddressList('Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example'), [
    { name: 'Mary Smith', address: 'mary@example.net', route: '@node.test' },
    { name: '', address: 'jdoe@test.example' },
  ]);
});

test('addresses in the wild: RFC 822 comment names, unquoted commas, encoded names, raw form', () => {
  assert.deepEqual(parseAddressList('jdoe@example.org (John Doe)'), [{ name: 'John Doe', address: 'jdoe@example.org' }]);
  assert.deepEqual(parseAddressList('Doe, John <jdoe@example.org>, a@b.c'), [{ name: 'Doe, John', address: 'jdoe@example.org' }, { name: '', address: 'a@b.c' }]);
  assert.deepEqual(parseAddressList('=?iso-8859-1?Q?J=FCrgen?= =?iso-8859-1?Q?_Schm=FCrgen?= <s@example.com>'), [{ name: 'Jürgen Schmürgen', address: 's@example.com' }]);
  assert.deepEqual(parseAddressList('"=?utf-8?B?w6k=?=" <e@example.com>'), [{ name: 'é', address: 'e@example.com' }]);
  assert.deepEqual(parseAddressList('=?iso-8859-1?Q?J=FCrgen?= <s@example.com>', false), [{ name: '=?iso-8859-1?Q?J=FCrgen?=', address: 's@example.com' }]);
  assert.deepEqual(parseAddressList('Recipient-List'), [{ name: '', address: 'Recipient-List' }]);
  assert.deepEqual(parseAddressList('MixedCase@Example.COM'), [{ name: '', address: 'MixedCase@Example.COM' }]);
  assert.deepEqual(parseAddressList(''), []);
});

test('envelope: decoded and raw, groups flattened, Sender and Reply-To default to From', () => {
  const m = parseMessage(crlf(`Date: Fri, 21 Nov 1997 09:55:06 -0600
From: =?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>
To: A Group:Ed Jones <c@a.test>,joe@where.test;, other@example.com
Subject: =?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=
Message-ID: <1234@local.machine.example>
In-Reply-To: <3456@example.net>

body`));
  assert.equal(m.envelope.subject, 'Patrik Fältström');
  assert.equal(m.rawEnvelope.subject, '=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=');
  assert.deepEqual(m.envelope.from, [{ name: 'Olle Järnefors', address: 'ojarnef@admin.kth.se' }]);
  assert.deepEqual(m.rawEnvelope.from, [{ name: '=?ISO-8859-1?Q?Olle_J=E4rnefors?=', address: 'ojarnef@admin.kth.se' }]);
  assert.deepEqual(m.envelope.sender, m.envelope.from);
  assert.deepEqual(m.envelope.replyTo, m.envelope.from);
  assert.deepEqual(m.envelope.to.map((a) => a.address), ['c@a.test', 'joe@where.test', 'other@example.com']);
  assert.deepEqual(m.envelope.cc, []);
  assert.equal(m.envelope.date, 'Fri, 21 Nov 1997 09:55:06 -0600');
  assert.equal(m.envelope.messageId, '<1234@local.machine.example>');
  assert.equal(m.envelope.inReplyTo, '<3456@example.net>');
  assert.equal(m.messageId, '1234@local.machine.example');
  assert.deepEqual(m.inReplyTo, ['3456@example.net']);
  assert.equal(m.date?.toISOString(), '1997-11-21T15:55:06.000Z');

  const bare = parseMessage(crlf('\nno header at all'));
  assert.deepEqual(bare.envelope, { date: null, subject: null, from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [], inReplyTo: null, messageId: null });
  assert.equal(bare.subject, '');
  assert.equal(bare.date, null);
});

test('RFC 5322 dates, current and obsolete', () => {
  const iso = (value: string): string | undefined => parseDate(value)?.toISOString();
  assert.equal(iso('Fri, 21 Nov 1997 09:55:06 -0600'), '1997-11-21T15:55:06.000Z');
  assert.equal(iso('Tue, 1 Jul 2003 10:52:37 +0200'), '2003-07-01T08:52:37.000Z');
  assert.equal(iso('Thu, 13 Feb 1969 23:32:54 -0330'), '1969-02-14T03:02:54.000Z');
  assert.equal(iso('21 Nov 97 09:55:06 GMT'), '1997-11-21T09:55:06.000Z');
  assert.equal(iso('Fri, 21 Nov 1997 09(comment):   55  :  06 -0600'), '1997-11-21T15:55:06.000Z');
  assert.equal(iso('Mon, 22 Mar 1993 09:41:09 -0800 (PST)'), '1993-03-22T17:41:09.000Z');
  assert.equal(iso('Sun, 21 Mar 1993 23:56:48 PST'), '1993-03-22T07:56:48.000Z');
  assert.equal(iso('1 Jan 49 00:00 +0000'), '2049-01-01T00:00:00.000Z');
  assert.equal(iso('Wed, 31 Dec 2025 23:59 EDT'), '2026-01-01T03:59:00.000Z');
  for (const bad of ['Whenever', 'Mon, 13 Aug 1998 l8:14:23 +1000', '31 Feb 2020 10:00:00 +0000', 'Tue, 7 Apr 2026 10:00:t', '']) {
    assert.equal(parseDate(bad), null, bad);
  }
});

test('message-id lists for threading', () => {
  assert.deepEqual(parseMessageIds('<a@x>\r\n <b@y>\t<c@z>'), ['a@x', 'b@y', 'c@z']);
  assert.deepEqual(parseMessageIds('Your message of "Mon, 1 Jan" <a@x> (comment <no@t>)'), ['a@x']);
  assert.deepEqual(parseMessageIds('bare@id.example'), ['bare@id.example']);
  assert.deepEqual(parseMessageIds('no ids here'), []);
  const m = parseMessage(crlf('Message-ID: <id1@host.com>\nReferences: <r1@x>\n <r2@x>\n\n'));
  assert.deepEqual(m.references, ['r1@x', 'r2@x']);
  assert.deepEqual(m.inReplyTo, []);
});

test('RFC 5256 §2.1 base subject', () => {
  const cases: [string, string][] = [
    ['Re: test', 'test'],
    ['RE: Re: re: test', 'test'],
    ['Fwd: test', 'test'],
    ['FW: test', 'test'],
    ['Re[2]: test', 'test'],
    ['Re: [list] Re: test (fwd)', 'test'],
    ['[PATCH 1/2] fix it', 'fix it'],
    ['[fwd: Re: test]', 'test'],
    ['[Fwd: Map of Argentina with Description]', 'Map of Argentina with Description'],
    ['Re:   test   (fwd)  (FWD)', 'test'],
    ['  spaced \t  out  ', 'spaced out'],
    ['[blob]', '[blob]'],
    ['Re: [blob]', '[blob]'],
    ['Reply: test', 'Reply: test'],
    ['Re test', 'Re test'],
    ['', ''],
  ];
  for (const [subject, expected] of cases) assert.equal(baseSubject(subject), expected, subject);
  assert.equal(parseMessage(crlf('Subject: =?utf-8?Q?Re=3A_Gr=C3=BC=C3=9Fe?=\n\n')).baseSubject, 'Grüße');
});
