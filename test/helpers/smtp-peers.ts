// Clients we did not write (python3 smtplib, swaks) driven with one call each, and what the
// SMTP tests check afterwards: the listing and the stored bytes, read back through `petrel`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { petrelOk, ROOT, type RunningPetrel } from './petrel-process.ts';

export interface SmtplibOptions {
  port: number;
  from: string;
  to: string[];
  /** Port 465 style: TLS from the first byte. */
  ssl?: boolean;
  /** STARTTLS after the first EHLO, then EHLO again. */
  starttls?: boolean;
  login?: [user: string, password: string];
  mailOptions?: string[];
  helo?: string;
}

export interface SmtplibResult {
  /** ok: accepted (possibly with some recipients refused); rcpt: every recipient refused; error: a reply code; other: no reply code. */
  status: 'ok' | 'rcpt' | 'error' | 'other';
  code?: number;
  message?: string;
  /** Refused recipients: address → [code, text]. */
  refused?: Record<string, [number, string]>;
  /** EHLO keywords (lower case) → parameters, after STARTTLS when asked for. */
  features?: Record<string, string>;
  tls?: boolean;
  raw: string;
}

// One script for every smtplib case: options as JSON in argv[1], the message on stdin, a JSON
// line out. The certificate is self-signed, so verification is off (the tests check TLS is on).
const SMTPLIB_SCRIPT = String.raw`
import json, smtplib, ssl, sys
o = json.loads(sys.argv[1])
data = sys.stdin.buffer.read()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
def text(b):
    return b.decode('utf-8', 'replace') if isinstance(b, bytes) else str(b)
try:
    s = smtplib.SMTP_SSL('127.0.0.1', o['port'], timeout=300, context=ctx) if o.get('ssl') else smtplib.SMTP('127.0.0.1', o['port'], timeout=300)
    with s:
        s.ehlo(o.get('helo', 'python.test'))
        if o.get('starttls'):
            s.starttls(context=ctx)
            s.ehlo(o.get('helo', 'python.test'))
        out['features'] = dict(s.esmtp_features)
        out['tls'] = isinstance(s.sock, ssl.SSLSocket)
        if o.get('login'):
            s.login(*o['login'])
        refused = s.sendmail(o['from'], o['to'], data, o.get('mailOptions', []))
        out['status'] = 'ok'
        out['refused'] = {k: [v[0], text(v[1])] for k, v in refused.items()}
except smtplib.SMTPRecipientsRefused as e:
    out['status'] = 'rcpt'
    out['refused'] = {k: [v[0], text(v[1])] for k, v in e.recipients.items()}
    first = list(e.recipients.values())[0]
    out['code'], out['message'] = first[0], text(first[1])
except smtplib.SMTPResponseException as e:
    out['status'] = 'error'
    out['code'], out['message'] = e.smtp_code, text(e.smtp_error)
except Exception as e:
    out['status'] = 'other'
    out['message'] = type(e).__name__ + ': ' + str(e)
print(json.dumps(out))
`;

/** Sends `data` with python's smtplib (which does the dot-stuffing) and reports what happened. */
export function smtplibSend(options: SmtplibOptions, data: Buffer | string): SmtplibResult {
  const result = spawnSync('python3', ['-c', SMTPLIB_SCRIPT, JSON.stringify(options)], {
    input: data,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const raw = `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`;
  const line = result.stdout?.toString().trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as Omit<SmtplibResult, 'raw'>), raw };
  } catch {
    return { status: 'other', message: `python3 exited ${result.status}`, raw };
  }
}

// Many messages in one session, each read from a file so 50 MB never crosses argv; one JSON
// line per message, so a refusal names the message instead of ending the run.
const SMTPLIB_MANY_SCRIPT = String.raw`
import json, smtplib, sys
o = json.loads(sys.argv[1])
with smtplib.SMTP('127.0.0.1', o['port'], timeout=300) as s:
    s.ehlo('corpus.python.test')
    for i, item in enumerate(o['messages']):
        try:
            with open(item['path'], 'rb') as f:
                s.sendmail(o['from'], o['to'], f.read(), item.get('mailOptions', []))
            print(json.dumps({'i': i, 'status': 'ok'}), flush=True)
        except smtplib.SMTPResponseException as e:
            print(json.dumps({'i': i, 'status': 'error', 'code': e.smtp_code, 'message': e.smtp_error.decode('utf-8', 'replace')}), flush=True)
            s.rset()
`;

export interface ManyResult {
  i: number;
  status: 'ok' | 'error';
  code?: number;
  message?: string;
}

/** Sends each file's bytes with smtplib's sendmail in one session; results in order. */
export function smtplibSendFiles(options: { port: number; from: string; to: string[]; messages: { path: string; mailOptions?: string[] }[] }): { results: ManyResult[]; raw: string } {
  const result = spawnSync('python3', ['-c', SMTPLIB_MANY_SCRIPT, JSON.stringify(options)], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const stdout = result.stdout?.toString() ?? '';
  const results = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ManyResult);
  return { results, raw: `${stdout}${result.stderr?.toString() ?? ''}` };
}

/**
 * What an SMTP client puts on the wire for a file: every line end (CRLF, bare LF, bare CR) as
 * CRLF, since RFC 5321 §2.3.8 allows no other, and a CRLF at the end (§4.1.1.4).
 */
export function toCrlf(data: Buffer): Buffer {
  const text = data.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  return Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}

export interface Listed {
  uid: number;
  subject: string;
  from: string;
  size: number;
  flags: string[];
}

export function listMail(server: RunningPetrel, address: string, mailbox = 'INBOX'): Listed[] {
  return JSON.parse(petrelOk(['mail', 'list', address, '--json', '--mailbox', mailbox, ...server.args])) as Listed[];
}

/** The one listed message with this subject; fails naming what is there otherwise. */
export function findBySubject(server: RunningPetrel, address: string, subject: string, mailbox = 'INBOX'): Listed {
  const entries = listMail(server, address, mailbox);
  const matching = entries.filter((e) => e.subject === subject);
  assert.equal(matching.length, 1, `exactly one "${subject}" in ${address}/${mailbox}; have: ${JSON.stringify(entries.map((e) => e.subject))}`);
  return matching[0];
}

/** `petrel mail show` as bytes (decoding would hide byte-level changes), with room for 50 MB messages. */
export function showMail(server: RunningPetrel, address: string, uid: number, mailbox = 'INBOX'): Buffer {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/petrel.js'), 'mail', 'show', address, String(uid), '--mailbox', mailbox, ...server.args], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `petrel mail show ${address} ${uid}: ${result.stderr?.toString()}`);
  return result.stdout;
}

/**
 * The stored message must be the sent bytes with only our trace fields in front. Returns that
 * prefix so a test can look at the trace headers it expects.
 */
export function assertStoredSuffix(stored: Buffer, sent: Buffer, what: string): string {
  assert.ok(stored.length >= sent.length, `${what}: stored ${stored.length} bytes, fewer than the ${sent.length} sent`);
  const tail = stored.subarray(stored.length - sent.length);
  if (!tail.equals(sent)) {
    const at = firstDifference(tail, sent);
    assert.fail(`${what}: stored bytes do not end with the sent bytes (first difference at sent offset ${at}: ` + `${JSON.stringify(tail.subarray(at, at + 40).toString('latin1'))} vs ${JSON.stringify(sent.subarray(at, at + 40).toString('latin1'))})`);
  }
  const prefix = stored.subarray(0, stored.length - sent.length).toString('latin1');
  assertOnlyTraceFields(prefix, what);
  return prefix;
}

/** RFC 5321 §4.4 trace fields plus the RFC 8601/7208 results a receiver adds; nothing else may be prepended. */
const TRACE_FIELDS = new Set(['return-path', 'received', 'authentication-results', 'received-spf', 'arc-seal', 'arc-message-signature', 'arc-authentication-results', 'delivered-to']);

function assertOnlyTraceFields(prefix: string, what: string): void {
  assert.match(prefix, /^Return-Path: <[^>]*>\r\n/, `${what}: Return-Path first`);
  assert.ok(prefix.endsWith('\r\n'), `${what}: the prefix is whole header lines`);
  for (const line of prefix.split('\r\n').slice(0, -1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    assert.ok(TRACE_FIELDS.has(name), `${what}: prepended "${name}" is not a trace field`);
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
