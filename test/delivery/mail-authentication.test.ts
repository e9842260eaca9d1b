import assert from 'node:assert/strict';
import { test } from 'node:test';

import { authenticate } from 'mailauth';

import { createResolver } from '../../src/delivery/dns-resolver.ts';
import { authenticateMessage } from '../../src/delivery/mail-authentication.ts';

// authenticateMessage hands mailauth's DKIM verifier only the From fields of an unsigned message.
// Odd header blocks must still come out as mailauth's `authenticate` on the whole message.

const resolver = createResolver({
  system: false,
  overrides: {
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject'] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=none'] },
  },
}).mailauthResolver;

const HEADER_BLOCKS = [
  'From: a@example.com\r\nTo: b@example.net\r\nSubject: plain\r\n\r\nbody\r\n',
  'Subject: folded\r\nFrom: "A\r\n Person" <a@example.com>\r\n\tcontinued\r\nTo: b@example.net\r\n\r\nbody\r\n',
  'From: a@example.com\r\nFrom: c@example.org\r\n\r\nbody\r\n',
  'From: a@example.com, c@example.org\r\n\r\nbody\r\n',
  'FROM : a@example.org\r\nSubject: spaced key\r\n\r\n',
  'From\r\n : a@example.org\r\nSubject: key over two lines\r\n\r\n',
  ' From: a@example.com\r\nSubject: starts with white space\r\n\r\n',
  'Subject: stray CR\r\nFrom: a@example.com\r\r\n\r\nbody',
  'Subject: bare LF\nFrom: a@example.org\n\nbody\n',
  'Subject: no From\r\n\r\nbody\r\n',
  'From: a@example.com',
  'Received: from x (x [192.0.2.1])\r\n\tby y; Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: <a@example.org>\r\n\r\n',
];

test('Authentication-Results and DMARC verdicts are those of mailauth on the whole message', async () => {
  for (const block of HEADER_BLOCKS) {
    for (const ip of ['192.0.2.10', '198.51.100.1']) {
      const raw = Buffer.from(block, 'latin1');
      const check = { ip, helo: 'client.example', sender: 'sender@example.com', mta: 'mx.petrel.test' };
      const expected = await authenticate(raw, { ...check, resolver, disableBimi: true });
      const actual = await authenticateMessage(raw, check, resolver);
      assert.equal(actual.headers, expected.headers, JSON.stringify(block));
      assert.deepEqual(actual.dmarc, expected.dmarc, JSON.stringify(block));
    }
  }
});
