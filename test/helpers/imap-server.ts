// A Petrel with its IMAP listeners on free loopback ports, one domain and its users, for the IMAP
// tests; plus delivery through the MX with python smtplib, which is how mail reaches a mailbox.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from './petrel-process.ts';
import { smtplibSend } from './smtp-peers.ts';

export const PASSWORD = 'imap-secret-pass';

export interface ImapPetrel {
  server: RunningPetrel;
  host: string;
  /** STARTTLS port. */
  imap: number;
  /** Implicit-TLS port. */
  imaps: number;
  smtp: number;
  domain: string;
  /** The self-signed certificate the server generated (PEM), for clients that pin it. */
  certFile: string;
  address(user: string): string;
  destroy(): Promise<void>;
}

export interface ImapStartOptions {
  domain: string;
  users: string[];
  /** TOML appended to the test config. */
  configToml?: string;
  /** Listen somewhere other than loopback (the LOGINDISABLED rule). */
  listen?: string;
}

/**
 * `startPetrel` with `--imap-port`/`--imaps-port` on free ports (later flags win over the
 * helper's `--imap-port 0`); POP3 is turned off so that no fixed default port is ever taken.
 */
export async function startImapPetrel(options: ImapStartOptions): Promise<ImapPetrel> {
  const imap = await freePort();
  const imaps = await freePort();
  const extraArgs = ['--imap-port', String(imap), '--imaps-port', String(imaps), '--pop3-port', '0', '--pop3s-port', '0'];
  if (options.listen) extraArgs.push('--listen', options.listen);
  const server = await startPetrel({ configToml: options.configToml, extraArgs });
  const listing = server.stdout;
  // Until IMAP is wired into the server the ports are simply not there: say so instead of timing out.
  assert.match(listing, new RegExp(`listening on [^\\n]*:${imap}\\b`), `petrel lists an IMAP listener on ${imap}:\n${listing}`);
  assert.match(listing, new RegExp(`listening on [^\\n]*:${imaps}\\b`), `petrel lists an IMAPS listener on ${imaps}:\n${listing}`);
  petrelOk(['domain', 'add', options.domain, ...server.args]);
  for (const user of options.users) petrelOk(['user', 'add', `${user}@${options.domain}`, '--password', PASSWORD, ...server.args]);
  return {
    server,
    host: options.listen ?? '127.0.0.1',
    imap,
    imaps,
    smtp: server.ports.smtp,
    domain: options.domain,
    certFile: join(server.dataDir, 'tls', 'self-signed.crt'),
    address: (user) => `${user}@${options.domain}`,
    destroy: () => server.destroy(),
  };
}

/** Delivers `data` through the MX port with python smtplib; fails the test if it is not accepted. */
export function deliver(petrel: ImapPetrel, to: string | string[], data: Buffer, options: { from?: string; mailOptions?: string[] } = {}): void {
  const result = smtplibSend({ port: petrel.smtp, from: options.from ?? 'sender@remote.test', to: Array.isArray(to) ? to : [to], mailOptions: options.mailOptions }, data);
  assert.equal(result.status, 'ok', `SMTP delivery to ${String(to)} was refused: ${result.raw}`);
  assert.deepEqual(result.refused, {}, `SMTP delivery refused some recipients: ${result.raw}`);
}

/** The stored bytes of one message, as `petrel mail show` prints them (no decoding). */
export function storedMessage(petrel: ImapPetrel, address: string, uid: number, mailbox = 'INBOX'): Buffer {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/petrel.js'), 'mail', 'show', address, String(uid), '--mailbox', mailbox, ...petrel.server.args], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `petrel mail show ${address} ${uid}: ${result.stderr?.toString()}`);
  return result.stdout;
}

/** A simple RFC 5322 message with CRLF line ends. */
export function simpleMessage(fields: { subject: string; from?: string; to?: string; date?: string; messageId?: string; headers?: string[]; body?: string }): Buffer {
  const lines = [
    `From: ${fields.from ?? 'Sender <sender@remote.test>'}`,
    `To: ${fields.to ?? 'alice@imap.test'}`,
    `Subject: ${fields.subject}`,
    `Date: ${fields.date ?? 'Mon, 23 Nov 2026 12:00:00 +0000'}`,
    `Message-ID: ${fields.messageId ?? `<${fields.subject.replace(/[^A-Za-z0-9]/g, '-')}@remote.test>`}`,
    ...(fields.headers ?? []),
    '',
    fields.body ?? 'Hello.\r\n',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** An IPv4 address of this machine that is not loopback, to be a "remote" client of ourselves. */
export function nonLoopbackAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return null;
}

/** First offset where two buffers differ, for readable byte-identity failures. */
export function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  const at = firstDifference(actual, expected);
  assert.fail(
    `${what}: ${actual.length} bytes, expected ${expected.length}; first difference at ${at}: ` +
      `${JSON.stringify(actual.subarray(at, at + 60).toString('latin1'))} vs ${JSON.stringify(expected.subarray(at, at + 60).toString('latin1'))}`,
  );
}
