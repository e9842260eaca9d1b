import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMessage } from '../../../src/mail/mime/index.ts';
import type { BodyPart, Envelope } from '../../../src/mail/mime/types.ts';
import { bodyStructureValue, envelopeValue } from '../../../src/imap/proto/body-structure.ts';
import { serializeValues } from '../../../src/imap/proto/serializer.ts';

const corpus = new URL('../../../../shared/corpus/mime/', import.meta.url);

function crlf(path: string): Buffer {
  return Buffer.from(readFileSync(new URL(path, corpus)).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

const wire = (value: Parameters<typeof serializeValues>[0][number], utf8 = false): string => serializeValues([value], { utf8 }).toString('utf8');

function leaf(overrides: Partial<BodyPart>): BodyPart {
  return {
    headerStart: 0,
    bodyStart: 0,
    end: 0,
    type: 'text',
    subtype: 'plain',
    params: {},
    id: null,
    description: null,
    encoding: '7bit',
    size: 0,
    lines: 0,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    parts: [],
    ...overrides,
  };
}

// Expected values are what Dovecot 2.3 sends for the same bytes (RFC 2046 §5.1.5 digest example).
test('BODYSTRUCTURE and BODY of a digest with message/rfc822 parts match Dovecot', () => {
  const parsed = parseMessage(crlf('rfc/004.eml'));
  assert.equal(
    wire(bodyStructureValue(parsed.body, true)),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 46 1 NIL NIL NIL NIL)(("message" "rfc822" NIL NIL NIL "7bit" 105 ("Fri, 26 Mar 1993 11:13:32 +0200" "my opinion" ((NIL NIL "someone-else" "MISSING_DOMAIN")) ((NIL NIL "someone-else" "MISSING_DOMAIN")) ((NIL NIL "someone-else" "MISSING_DOMAIN")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 23 1 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 130 ("Fri, 26 Mar 1993 10:07:13 -0500" "my different opinion" ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1 NIL NIL NIL NIL) 5 NIL NIL NIL NIL) "digest" ("boundary" "---- next message ----") NIL NIL NIL) "mixed" ("boundary" "---- main boundary ----") NIL NIL NIL)',
  );
  assert.equal(
    wire(bodyStructureValue(parsed.body, false)),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 46 1)(("message" "rfc822" NIL NIL NIL "7bit" 105 ("Fri, 26 Mar 1993 11:13:32 +0200" "my opinion" ((NIL NIL "someone-else" "MISSING_DOMAIN")) ((NIL NIL "someone-else" "MISSING_DOMAIN")) ((NIL NIL "someone-else" "MISSING_DOMAIN")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 23 1) 5)("message" "rfc822" NIL NIL NIL "7bit" 130 ("Fri, 26 Mar 1993 10:07:13 -0500" "my different opinion" ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) ((NIL NIL "someone-else-again" "MISSING_DOMAIN")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1) 5) "digest") "mixed")',
  );
});

test('a base64 message/rfc822 still gets the envelope and body the grammar requires (Dovecot does the same)', () => {
  const part = leaf({ type: 'message', subtype: 'rfc822', encoding: 'base64', size: 1194, lines: 15 });
  assert.equal(
    wire(bodyStructureValue(part, false)),
    '("message" "rfc822" NIL NIL NIL "base64" 1194 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) 15)',
  );
});

test('an empty multipart renders one empty text/plain child', () => {
  const part = leaf({ type: 'multipart', subtype: 'mixed', params: { boundary: 'x' } });
  assert.equal(wire(bodyStructureValue(part, true)), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)');
});

test('extension data: md5, disposition, languages, location; non-text leaves have no line count', () => {
  const part = leaf({
    type: 'application',
    subtype: 'pdf',
    params: { name: 'a "b".pdf' },
    id: '<id@x>',
    description: 'Report',
    encoding: 'base64',
    size: 100,
    md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
    disposition: { type: 'attachment', params: { filename: 'Bericht über.pdf' } },
    language: ['de', 'en'],
    location: 'http://example.com/a.pdf',
  });
  assert.equal(
    wire(bodyStructureValue(part, true)),
    '("application" "pdf" ("name" "a \\"b\\".pdf") "<id@x>" "Report" "base64" 100 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" {17}\r\nBericht über.pdf)) ("de" "en") "http://example.com/a.pdf")',
  );
  assert.equal(wire(bodyStructureValue({ ...part, language: ['de'] }, true), true).includes('("filename" "Bericht über.pdf")) "de" "http'), true);
  assert.equal(wire(bodyStructureValue(part, false)), '("application" "pdf" ("name" "a \\"b\\".pdf") "<id@x>" "Report" "base64" 100)');
});

test('ENVELOPE follows RFC 9051 §7.5.2 field order, NIL for empty fields, adjacent addresses', () => {
  const env: Envelope = {
    date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
    subject: 'IMAP4rev2 WG mtg summary and minutes',
    from: [{ name: 'Terry Gray', address: 'gray@cac.washington.edu' }],
    sender: [{ name: 'Terry Gray', address: 'gray@cac.washington.edu' }],
    replyTo: [{ name: 'Terry Gray', address: 'gray@cac.washington.edu' }],
    to: [{ name: '', address: 'imap@cac.washington.edu' }],
    cc: [
      { name: '', address: 'minutes@CNRI.Reston.VA.US' },
      { name: 'John Klensin', address: 'KLENSIN@MIT.EDU' },
    ],
    bcc: [],
    inReplyTo: null,
    messageId: '<B27397-0100000@cac.washington.edu>',
  };
  // The RFC 9051 §8 sample FETCH reply, byte for byte.
  assert.equal(
    wire(envelopeValue(env)),
    '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")',
  );
  const empty: Envelope = { date: null, subject: null, from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [], inReplyTo: null, messageId: null };
  assert.equal(wire(envelopeValue(empty)), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
});

test('ENVELOPE sends groups as start marker, members, end marker (RFC 9051 §7.5.2)', () => {
  // imaptest's fetch-envelope message 4, Dovecot's reply.
  const { rawEnvelope } = parseMessage(
    Buffer.from(
      'Date: Thu, 15 Feb 2007 01:02:03 +0200\r\nFrom: user@domain (Real Name)\r\nTo: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;\r\nCc: group:;, group2: (foo) ;\r\n\r\nbody\r\n',
    ),
  );
  assert.equal(
    wire(envelopeValue(rawEnvelope)),
    '("Thu, 15 Feb 2007 01:02:03 +0200" NIL (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) ' +
      '((NIL NIL "group" NIL)(NIL NIL "g1" "d1.org")(NIL NIL "g2" "d2.org")(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL "g3" "d3.org")(NIL NIL NIL NIL)) ' +
      '((NIL NIL "group" NIL)(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)',
  );
});

test('ENVELOPE of an envelope stored without `groups` sends the flattened members', () => {
  const env: Envelope = {
    date: null,
    subject: null,
    from: [{ name: '', address: 'a@x.test' }],
    sender: [{ name: '', address: 'a@x.test' }],
    replyTo: [{ name: '', address: 'a@x.test' }],
    to: [
      { name: '', address: 'g1@d1.org' },
      { name: 'Two', address: 'g2@d2.org' },
    ],
    cc: [],
    bcc: [],
    inReplyTo: null,
    messageId: null,
  };
  const to = '((NIL NIL "g1" "d1.org")("Two" NIL "g2" "d2.org"))';
  assert.equal(wire(envelopeValue(env)), `(NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "a" "x.test")) ((NIL NIL "a" "x.test")) ${to} NIL NIL NIL NIL)`);
  // A field with groups beside one without: each renders from its own source.
  const grouped: Envelope = { ...env, groups: { cc: [{ group: 'undisclosed-recipients', members: [] }] } };
  assert.equal(
    wire(envelopeValue(grouped)),
    `(NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "a" "x.test")) ((NIL NIL "a" "x.test")) ${to} ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)`,
  );
});

test('8-bit envelope text is a literal unless UTF8=ACCEPT allows it quoted', () => {
  const env: Envelope = { date: null, subject: 'Grüße', from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [], inReplyTo: null, messageId: null };
  assert.equal(wire(envelopeValue(env)), '(NIL {7}\r\nGrüße NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(wire(envelopeValue(env), true), '(NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL)');
});
