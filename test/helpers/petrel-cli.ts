// Typed wrappers around the `petrel` admin CLI for end-to-end tests, plus the bits of TOML and
// data-directory set-up those tests share.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { QueueListing } from '../../src/delivery/outbound-queue.ts';
import type { EntrySummary } from '../../src/mail/mail-store.ts';
import { petrelOk, ROOT } from './petrel-process.ts';

/** `mail list --json` and `queue list --json` print these, so the tests read them with the same types. */
export type MailEntry = EntrySummary;
export type QueueEntry = QueueListing;

export interface DnsRecordJson {
  name: string;
  type: string;
  value: string;
}

export interface PreparedData {
  dataDir: string;
  /** `--data DIR` (and `--database URL`): pass to CLI calls and to startPetrel's options. */
  args: string[];
}

/**
 * A data directory with one domain and its users, made before the server starts, as an admin
 * would: `domain add` generates the DKIM key, so its DNS record is known before anyone listens.
 */
export function prepareDataDir(domain: string, users: { address: string; password: string }[], database?: string): PreparedData {
  const dataDir = mkdtempSync(join(tmpdir(), `petrel-${domain.replace(/\W/g, '-')}-`));
  const args = ['--data', dataDir, ...(database ? ['--database', database] : [])];
  petrelOk(['domain', 'add', domain, ...args]);
  for (const user of users) petrelOk(['user', 'add', user.address, '--password', user.password, ...args]);
  return { dataDir, args };
}

export function mailList(args: string[], address: string, mailbox = 'INBOX'): MailEntry[] {
  return JSON.parse(petrelOk(['mail', 'list', address, '--json', '--mailbox', mailbox, ...args])) as MailEntry[];
}

/** The stored message as bytes: petrelOk decodes UTF-8, which would hide a byte-level change. */
export function mailShow(args: string[], address: string, uid: number, mailbox = 'INBOX'): Buffer {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/petrel.js'), 'mail', 'show', address, String(uid), '--mailbox', mailbox, ...args], { timeout: 60_000 });
  if (result.status !== 0) throw new Error(`petrel mail show ${address} ${uid} failed (${result.status}): ${result.stderr?.toString()}`);
  return result.stdout;
}

export function queueList(args: string[]): QueueEntry[] {
  return JSON.parse(petrelOk(['queue', 'list', '--json', ...args])) as QueueEntry[];
}

export function dnsRecords(args: string[], domain: string): DnsRecordJson[] {
  return JSON.parse(petrelOk(['dns', domain, '--json', ...args])) as DnsRecordJson[];
}

/** The DKIM TXT record exactly as `petrel dns` publishes it, keyed without the trailing dot. */
export function dkimRecord(args: string[], domain: string): { name: string; value: string } {
  const record = dnsRecords(args, domain).find((r) => r.type === 'TXT' && r.name.includes('._domainkey.'));
  if (!record) throw new Error(`petrel dns ${domain} lists no DKIM record`);
  return { name: record.name.replace(/\.$/, ''), value: record.value };
}

/** `[dns.overrides."name"]` tables; JSON string syntax is valid TOML basic-string syntax for these values. */
export function dnsOverridesToml(overrides: Record<string, { MX?: string[]; A?: string[]; TXT?: string[]; SRV?: string[]; CNAME?: string[] }>): string {
  return Object.entries(overrides)
    .map(([name, records]) => {
      const lines = Object.entries(records).map(([type, values]) => `${type} = [${values.map((v) => JSON.stringify(v)).join(', ')}]`);
      return `[dns.overrides.${JSON.stringify(name)}]\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** An `[outbound]` table; the default poll of 5 s would make every test wait. */
export function outboundToml(settings: { mxPort?: number; pollIntervalMs?: number }): string {
  const lines = ['[outbound]', `poll_interval_ms = ${settings.pollIntervalMs ?? 200}`];
  if (settings.mxPort !== undefined) lines.push(`mx_port = ${settings.mxPort}`);
  return `${lines.join('\n')}\n`;
}
