import assert from 'node:assert/strict';
import { test } from 'node:test';

import { protocolKeyword, receivedHeader, removeForgedAuthResults } from '../../src/delivery/trace-headers.ts';

test('forged Authentication-Results with our authserv-id are removed, others kept (RFC 8601 §5)', () => {
  const raw = Buffer.from(
    'Authentication-Results: mx.petrel.test;\r\n dkim=pass header.d=bank.test\r\n' +
      'Authentication-Results: other.example; spf=pass\r\n' +
      'Subject: hi\r\nauthentication-results:MX.PETREL.TEST; dmarc=pass\r\n\r\n' +
      'Authentication-Results: mx.petrel.test; body text stays\r\n',
  );
  const cleaned = removeForgedAuthResults(raw, 'mx.petrel.test').toString();
  assert.equal(cleaned, 'Authentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\nAuthentication-Results: mx.petrel.test; body text stays\r\n');
});

test('a message without forged headers is returned unchanged, byte for byte', () => {
  const raw = Buffer.from('Subject: x\r\nX-Bytes: \xff\xfe\r\n\r\nbody\r\n', 'latin1');
  assert.equal(removeForgedAuthResults(raw, 'mx.petrel.test'), raw);
});

test('Received header names the peer, our host, the RFC 3848 protocol and the recipient', () => {
  const header = receivedHeader({ helo: 'client.example', remoteAddress: '192.0.2.1', byHost: 'mx.petrel.test', protocol: protocolKeyword('SMTP', true, false), id: 'ABC', recipient: 'a@b.test', date: new Date(Date.UTC(2026, 10, 23, 12, 0, 0)) });
  assert.equal(header, 'Received: from client.example ([192.0.2.1])\r\n\tby mx.petrel.test (Petrel) with ESMTPS id ABC\r\n\tfor <a@b.test>;\r\n\tMon, 23 Nov 2026 12:00:00 +0000\r\n');
  assert.equal(protocolKeyword('SMTP', true, true), 'ESMTPSA');
  assert.equal(protocolKeyword('LMTP', false, false), 'LMTP');
});
