import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { buildDsn } from '../../src/delivery/dsn.ts';
import type { DsnOptions } from '../../src/delivery/dsn.ts';

interface ParsedPart {
  type: string;
  headers: Record<string, string>;
  /** For message/delivery-status: the header blocks; for message/rfc822: the inner message's headers. */
  blocks?: Record<string, string>[];
  text?: string;
}

interface ParsedDsn {
  headers: Record<string, string>;
  type: string;
  reportType: string;
  defects: string[];
  parts: ParsedPart[];
}

// Parsed by Python's stdlib email package, a MIME parser we did not write, which knows
// multipart/report and splits message/delivery-status into its field blocks.
const PARSER = `
import sys, json, email
from email import policy
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
def fields(m):
    return {k: str(v) for k, v in m.items()}
parts = []
for part in msg.get_payload():
    entry = {"type": part.get_content_type(), "headers": fields(part)}
    if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
        entry["blocks"] = [fields(b) for b in part.get_payload()]
    elif part.get_content_type() in ("message/rfc822", "message/global"):
        inner = part.get_payload()[0]
        entry["blocks"] = [fields(inner)]
        entry["text"] = inner.get_payload()
    else:
        entry["text"] = part.get_payload(decode=True).decode(part.get_content_charset() or "ascii")
    parts.append(entry)
defects = [type(d).__name__ for d in msg.defects] + [type(d).__name__ for p in msg.walk() for d in p.defects]
print(json.dumps({"headers": fields(msg), "type": msg.get_content_type(), "reportType": msg.get_param("report-type"), "defects": defects, "parts": parts}))
`;

/** RFC 5322 §2.2.3: unfolding removes the line break before whitespace. */
const unfold = (value: string | undefined) => (value ?? '').replace(/\r?\n(?=[ \t])/g, '');

function parse(message: Buffer): ParsedDsn {
  return JSON.parse(execFileSync('python3', ['-c', PARSER], { input: message }).toString()) as ParsedDsn;
}

const original = Buffer.from(
  [
    'From: Alice <alice@example.org>',
    'To: bob@remote.test, carol@remote.test',
    'Subject: Quarterly numbers',
    'Message-ID: <orig-1@example.org>',
    '',
    'Hello Bob,',
    'the numbers are attached.',
    '',
  ].join('\r\n'),
);

const base: DsnOptions = {
  reportingMta: 'mail.example.org',
  to: 'alice@example.org',
  arrivalDate: new Date('2025-01-02T03:04:05Z'),
  envid: 'QQ314159',
  original,
  now: new Date('2025-01-03T00:00:00Z'),
  recipients: [
    {
      recipient: 'bob@remote.test',
      orcpt: 'rfc822;bob@remote.test',
      action: 'failed',
      status: '5.1.1',
      remoteMta: 'mx.remote.test',
      smtpReply: '550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown in virtual mailbox table of the remote host',
      lastAttemptDate: new Date('2025-01-02T03:05:00Z'),
    },
    {
      recipient: 'carol@remote.test',
      action: 'failed',
      status: '4.4.1',
      reason: 'connect to mx.remote.test[192.0.2.1]:25: Connection refused',
      lastAttemptDate: new Date('2025-01-07T03:04:05Z'),
    },
  ],
};

describe('buildDsn (RFC 3464 / RFC 6522)', () => {
  it('builds a multipart/report with text, delivery-status and the returned message', () => {
    const dsn = buildDsn(base);
    assert.equal(dsn.sender, '');
    assert.equal(dsn.recipient, 'alice@example.org');
    const parsed = parse(dsn.message);
    assert.deepEqual(parsed.defects, []);
    assert.equal(parsed.type, 'multipart/report');
    assert.equal(parsed.reportType, 'delivery-status');
    assert.deepEqual(parsed.parts.map((p) => p.type), ['text/plain', 'message/delivery-status', 'message/rfc822']);

    const h = parsed.headers;
    assert.equal(h['From'], 'Mail Delivery System <MAILER-DAEMON@mail.example.org>');
    assert.equal(h['To'], '<alice@example.org>');
    assert.equal(h['Auto-Submitted'], 'auto-replied');
    assert.equal(h['Message-ID'], dsn.messageId);
    assert.match(dsn.messageId, /^<[0-9a-f-]+@mail\.example\.org>$/);
    assert.equal(h['Date'], 'Fri, 03 Jan 2025 00:00:00 +0000');
    assert.equal(h['In-Reply-To'], '<orig-1@example.org>');
    assert.equal(h['Subject'], 'Undelivered Mail Returned to Sender');
  });

  it('reports per-message and per-recipient fields', () => {
    const [perMessage, bob, carol] = parse(buildDsn(base).message).parts[1].blocks ?? [];
    assert.deepEqual(perMessage, {
      'Reporting-MTA': 'dns; mail.example.org',
      'Original-Envelope-Id': 'QQ314159',
      'Arrival-Date': 'Thu, 02 Jan 2025 03:04:05 +0000',
    });
    assert.equal(bob['Final-Recipient'], 'rfc822; bob@remote.test');
    assert.equal(bob['Original-Recipient'], 'rfc822;bob@remote.test');
    assert.equal(bob['Action'], 'failed');
    assert.equal(bob['Status'], '5.1.1');
    assert.equal(bob['Remote-MTA'], 'dns; mx.remote.test');
    // The long reply is folded; unfolded it is the server's reply verbatim.
    assert.equal(unfold(bob['Diagnostic-Code']), `smtp; ${base.recipients[0].smtpReply}`);
    assert.equal(bob['Last-Attempt-Date'], 'Thu, 02 Jan 2025 03:05:00 +0000');
    assert.equal(unfold(carol['Diagnostic-Code']), 'X-Petrel; connect to mx.remote.test[192.0.2.1]:25: Connection refused');
    assert.equal(carol['Remote-MTA'], undefined);
    assert.equal(carol['Will-Retry-Until'], undefined);
  });

  it('returns the full original for a failure, and only its headers with RET=HDRS', () => {
    const full = parse(buildDsn(base).message).parts[2];
    assert.equal(full.blocks?.[0]['Message-ID'], '<orig-1@example.org>');
    assert.match(full.text ?? '', /the numbers are attached/);

    const hdrs = parse(buildDsn({ ...base, ret: 'HDRS' }).message).parts[2];
    assert.equal(hdrs.type, 'text/rfc822-headers');
    assert.match(hdrs.text ?? '', /^Subject: Quarterly numbers$/m);
    assert.doesNotMatch(hdrs.text ?? '', /numbers are attached/);
  });

  it('returns headers only when the original is larger than the limit', () => {
    assert.equal(parse(buildDsn({ ...base, maxReturnBytes: 50 }).message).parts[2].type, 'text/rfc822-headers');
  });

  it('builds a delay warning with Will-Retry-Until and headers only (RFC 3461 §4.3)', () => {
    const dsn = buildDsn({
      ...base,
      recipients: [
        {
          recipient: 'bob@remote.test',
          action: 'delayed',
          status: '4.2.0',
          remoteMta: 'mx.remote.test',
          smtpReply: '451 4.2.0 Greylisted, try again later',
          willRetryUntil: new Date('2025-01-07T03:04:05Z'),
        },
      ],
    });
    const parsed = parse(dsn.message);
    assert.equal(parsed.headers['Subject'], 'Delayed Mail (still being retried)');
    const bob = parsed.parts[1].blocks?.[1] ?? {};
    assert.equal(bob['Action'], 'delayed');
    assert.equal(bob['Will-Retry-Until'], 'Tue, 07 Jan 2025 03:04:05 +0000');
    assert.equal(parsed.parts[2].type, 'text/rfc822-headers');
    assert.match(parsed.parts[0].text ?? '', /not been delivered yet/);
  });

  it('uses the utf-8 address type and global types for internationalized mail (RFC 6533)', () => {
    const utf8Original = Buffer.from('From: Jöran <jöran@exämple.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n');
    const dsn = buildDsn({
      ...base,
      to: 'jöran@exämple.org',
      original: utf8Original,
      recipients: [{ recipient: 'zoë@remote.test', action: 'failed', status: '5.1.1', smtpReply: '550 5.1.1 unknown' }],
    });
    const raw = dsn.message.toString('utf8');
    assert.match(raw, /Content-Type: message\/global-delivery-status/);
    assert.match(raw, /Final-Recipient: utf-8; zoë@remote\.test/);
    assert.match(raw, /Content-Type: message\/global\r\n/);
    const text = parse(dsn.message).parts[0];
    assert.equal(text.headers['Content-Transfer-Encoding'], 'quoted-printable');
    assert.match(text.text ?? '', /<zoë@remote\.test>: 550 5\.1\.1 unknown/);
  });

  it('normalizes bare LF line ends in the original to CRLF', () => {
    const dsn = buildDsn({ ...base, original: Buffer.from('Subject: lf\n\nbody line\n') });
    assert.doesNotMatch(dsn.message.toString('latin1'), /[^\r]\n/);
  });

  it('refuses to answer the null sender', () => {
    assert.throws(() => buildDsn({ ...base, to: '' }), /null sender/);
  });
});
