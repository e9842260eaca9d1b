// The compose window's pure rules, without a browser: recipient parsing, who a reply goes to,
// the threading fields, and the order of typed text, signature and quote in a plain-text body.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { formatAddresses, parseAddresses } from '../../web/webmail/src/addresses.ts';
import { assembleBody, disassemble } from '../../web/webmail/src/compose-body.ts';
import type { OriginalEmail } from '../../web/webmail/src/compose-requests.ts';
import { answer, prefixedSubject } from '../../web/webmail/src/reply-quote.ts';

function original(overrides: Partial<OriginalEmail>): OriginalEmail {
  return {
    id: 'e1',
    from: [{ name: 'Bob', email: 'bob@example.test' }],
    to: [{ name: 'Ann', email: 'ann@example.test' }],
    cc: null,
    replyTo: null,
    subject: 'Plans',
    messageId: ['m2@example.test'],
    references: ['m1@example.test'],
    sentAt: '2026-11-23T10:00:00Z',
    receivedAt: '2026-11-23T10:00:01Z',
    textBody: [{ partId: '1', type: 'text/plain' }],
    bodyValues: { '1': { value: 'Hello\r\nthere', isTruncated: false } },
    attachments: [],
    ...overrides,
  };
}

describe('recipient fields', () => {
  test('reads names, quoted names with commas and bare addresses, and names what is not an address', () => {
    const parsed = parseAddresses('Ann Lee <ann@example.test>, "Lee, Bob" <bob@example.test>; carol@example.test, carol, <x@y>');
    assert.deepEqual(parsed.addresses, [
      { name: 'Ann Lee', email: 'ann@example.test' },
      { name: 'Lee, Bob', email: 'bob@example.test' },
      { name: null, email: 'carol@example.test' },
    ]);
    assert.deepEqual(parsed.invalid, ['carol', '<x@y>']);
  });

  test('a formatted list reads back as the same list', () => {
    const list = [
      { name: 'Lee, "Bob"', email: 'bob@example.test' },
      { name: null, email: 'carol@example.test' },
    ];
    assert.deepEqual(parseAddresses(formatAddresses(list)).addresses, list);
  });
});

describe('replies and forwards', () => {
  test('"Re: " and "Fwd: " are added once', () => {
    assert.equal(prefixedSubject('Plans', 'Re'), 'Re: Plans');
    assert.equal(prefixedSubject('RE: Plans', 'Re'), 'RE: Plans');
    assert.equal(prefixedSubject('Fw: Plans', 'Fwd'), 'Fw: Plans');
    assert.equal(prefixedSubject(null, 'Fwd'), 'Fwd: ');
  });

  test('a reply goes to Reply-To when there is one, and threads by In-Reply-To and References', () => {
    const reply = answer('reply', original({ replyTo: [{ name: null, email: 'list@example.test' }] }), new Set(['ann@example.test']));
    assert.deepEqual(reply.to, [{ name: null, email: 'list@example.test' }]);
    assert.deepEqual(reply.cc, []);
    assert.deepEqual(reply.inReplyTo, ['m2@example.test']);
    assert.deepEqual(reply.references, ['m1@example.test', 'm2@example.test']);
    assert.equal(reply.quote.text.split('\n').slice(1).join('\n'), '> Hello\n> there');
  });

  test('reply-all copies the other recipients but none of the user’s own addresses', () => {
    const email = original({
      to: [{ name: 'Ann', email: 'ANN@example.test' }, { name: 'Dan', email: 'dan@example.test' }],
      cc: [{ name: null, email: 'support@example.test' }, { name: null, email: 'bob@example.test' }, { name: null, email: 'eve@example.test' }],
    });
    const reply = answer('replyAll', email, new Set(['ann@example.test', 'support@example.test']));
    assert.deepEqual(reply.to.map((a) => a.email), ['bob@example.test']);
    assert.deepEqual(reply.cc.map((a) => a.email), ['dan@example.test', 'eve@example.test']);
  });

  test('a forward carries the original attachments and has no recipients or threading fields', () => {
    const attachments = [{ blobId: 'b1', name: 'plan.pdf', type: 'application/pdf', size: 10 }];
    const forward = answer('forward', original({ attachments }), new Set());
    assert.deepEqual([forward.to, forward.cc, forward.inReplyTo, forward.subject], [[], [], null, 'Fwd: Plans']);
    assert.deepEqual(forward.attachments, attachments);
    assert.match(forward.quote.text, /^-{10} Forwarded message -{10}\nFrom: Bob <bob@example\.test>\n/);
  });
});

describe('plain-text bodies', () => {
  test('typed text, then the signature after "-- ", then the quote; a reopened draft gives back the typed text and the quote', () => {
    const quote = answer('reply', original({}), new Set()).quote;
    const { text, html } = assembleBody({ text: 'Sounds good.\n', html: null }, { text: 'Ann', html: '' }, quote);
    assert.equal(html, null);
    assert.equal(text, `Sounds good.\n\n-- \nAnn\n\n${quote.text}`);
    const back = disassemble(text, null);
    assert.deepEqual(back.typed, { text: 'Sounds good.', html: null });
    assert.equal(back.quote.text, quote.text);
  });
});
