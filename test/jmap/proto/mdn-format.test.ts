// The RFC 8098 wire format of MDNs: what buildMdn writes parseMdn reads back, an MDN as RFC 8098
// §9.1 shows one is understood, and a message that is no MDN is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildMdn, parseMdn } from '../../../src/delivery/mdn-format.ts';

test('a built MDN is a multipart/report that parses back to the same fields', () => {
  const original = Buffer.from('From: a@x.test\r\nSubject: Hi\r\nMessage-ID: <m1@x.test>\r\n\r\nbody\r\n');
  const raw = buildMdn({
    from: 'b@y.test',
    to: 'a@x.test',
    subject: 'Read: Hi',
    textBody: 'Your message was displayed.',
    reportingUA: 'Petrel; JMAP',
    mdnGateway: null,
    originalRecipient: null,
    finalRecipient: 'rfc822; b@y.test',
    originalMessageId: '<m1@x.test>',
    disposition: { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' },
    error: null,
    extensionFields: { 'X-Note': 'one\r\nInjected: two' },
    original: { raw: original.subarray(0, original.indexOf('\r\n\r\n') + 4), whole: false },
  });
  const text = raw.toString();
  assert.match(text, /^Content-Type: multipart\/report; report-type=disposition-notification; boundary="/m);
  assert.match(text, /^Disposition: manual-action\/mdn-sent-manually; displayed\r$/m);
  assert.doesNotMatch(text, /^Injected:/m, 'a value cannot start a field of its own');
  assert.doesNotMatch(text, /^Auto-Submitted:/m, 'sent by the user, not automatically');
  assert.match(text, /Content-Type: text\/rfc822-headers\r\n\r\nFrom: a@x.test/);
  const parsed = parseMdn(raw);
  assert.ok(parsed);
  assert.deepEqual(
    { ...parsed, textBody: parsed.textBody?.trim() },
    {
      subject: 'Read: Hi',
      textBody: 'Your message was displayed.',
      includeOriginalMessage: false,
      reportingUA: 'Petrel; JMAP',
      mdnGateway: null,
      originalRecipient: null,
      finalRecipient: 'rfc822; b@y.test',
      originalMessageId: '<m1@x.test>',
      disposition: { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' },
      error: null,
      extensionFields: { 'X-Note': 'one Injected: two' },
    },
  );
});

test('the MDN of RFC 8098 §9.1 is understood; a plain message is not an MDN', () => {
  const example = [
    'Date: Wed, 20 Sep 1995 00:19:00 (EDT) -0400',
    'From: Joe Recipient <Joe_Recipient@example.com>',
    'Message-Id: <199509200019.12345@example.com>',
    'Subject: Disposition notification',
    'To: Jane Sender <Jane_Sender@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=disposition-notification;',
    '    boundary="RAA14128.773615765/example.com"',
    '',
    '--RAA14128.773615765/example.com',
    '',
    'The message sent on 1995 Sep 19 at 13:30:00 (EDT) -0400 to Joe',
    'Recipient <Joe_Recipient@example.com> with subject "First draft of',
    'report" has been displayed.',
    '',
    '--RAA14128.773615765/example.com',
    'content-type: message/disposition-notification',
    '',
    'Reporting-UA: joes-pc.cs.example.com; Foomail 97.1',
    'Original-Recipient: rfc822;Joe_Recipient@example.com',
    'Final-Recipient: rfc822;Joe_Recipient@example.com',
    'Original-Message-ID: <199509192301.23456@example.org>',
    'Disposition: manual-action/MDN-sent-manually; displayed',
    '',
    '--RAA14128.773615765/example.com--',
    '',
  ].join('\r\n');
  const parsed = parseMdn(Buffer.from(example));
  assert.ok(parsed);
  assert.deepEqual(parsed.disposition, { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' });
  assert.equal(parsed.reportingUA, 'joes-pc.cs.example.com; Foomail 97.1');
  assert.equal(parsed.originalMessageId, '<199509192301.23456@example.org>');
  assert.equal(parsed.finalRecipient, 'rfc822;Joe_Recipient@example.com');
  assert.match(parsed.textBody ?? '', /has been displayed/);
  assert.equal(parseMdn(Buffer.from('From: a@x.test\r\nSubject: hi\r\n\r\nplain\r\n')), null);
});
