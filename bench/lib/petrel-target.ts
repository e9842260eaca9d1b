import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { SENDER_DOMAINS } from './messages.ts';
import type { PetrelDns } from './options.ts';
import { cpuSeconds, forEachLimited, freePort, mustRun, peakRssKb } from './processes.ts';
import type { Target } from './target.ts';

/** The repository this script sits in: Petrel is run from its working tree, no build. */
const REPO = new URL('../../', import.meta.url).pathname;
const PETREL = join(REPO, 'bin/petrel.js');
/** Petrel refuses passwords under 8 characters; nobody logs in during this benchmark anyway. */
const PASSWORD = 'bench-password';
const READY_TIMEOUT_MS = 60_000;
/** After "petrel ready": how long the server must stay idle to count as settled, and the longest wait for that. */
const SETTLE_QUIET_MS = 500;
const SETTLE_MAX_MS = 10_000;
const CLI_TIMEOUT_MS = 60_000;

/** Petrel on SQLite in a fresh temporary data directory, only the MX (SMTP) listener on. */
export class PetrelTarget implements Target {
  readonly name = 'petrel';
  readonly storesBeforeAccept = true;
  readonly memoryNote = 'VmHWM of the server process';
  port = 0;
  private readonly root: string;
  private readonly dataDir: string;
  private readonly logPath: string;
  private readonly configPath: string;
  private child: ChildProcess | null = null;

  constructor(
    private readonly users: number,
    private readonly dns: PetrelDns,
    /** Where `node --cpu-prof` writes the server's profile when it stops, or null for no profile. */
    private readonly profileDir: string | null = null,
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'petrel-bench-'));
    this.dataDir = join(this.root, 'data');
    this.logPath = join(this.root, 'server.log');
    this.configPath = join(this.root, 'petrel.json');
  }

  private cli(args: string[]): Promise<string> {
    return mustRun(process.execPath, [PETREL, ...args, '--data', this.dataDir], { cwd: REPO, timeoutMs: CLI_TIMEOUT_MS });
  }

  async start(): Promise<void> {
    mkdirSync(this.dataDir);
    await this.cli(['domain', 'add', 'bench.test']);
    // Each `user add` is a Node start plus an Argon2 hash; two at a time keeps both cores busy.
    await forEachLimited(userAddresses(this.users), 2, async (address) => {
      await this.cli(['user', 'add', address, '--password', PASSWORD]);
    });
    if (this.dns === 'local') writeFileSync(this.configPath, JSON.stringify(localDnsConfig(), null, 2));
    this.port = await freePort();
    await this.serve();
  }

  /** Starts `petrel serve` and waits for its "petrel ready" line; the log goes to a file beside the data. */
  private async serve(): Promise<void> {
    const log = openSync(this.logPath, 'w');
    const off = ['--submission-port', '--submissions-port', '--lmtp-port', '--imap-port', '--imaps-port', '--pop3-port', '--pop3s-port', '--http-port'].flatMap((flag) => [flag, '0']);
    const config = this.dns === 'local' ? ['--config', this.configPath] : [];
    const profile = this.profileDir ? ['--cpu-prof', '--cpu-prof-dir', this.profileDir] : [];
    const args = [...profile, PETREL, 'serve', '--data', this.dataDir, ...config, '--listen', '127.0.0.1', '--smtp-port', String(this.port), ...off];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    this.child = child;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.includes('petrel ready')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      const tail = readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-3).join(' / ');
      throw new Error(`petrel serve did not print "petrel ready" (${child.exitCode === null ? 'timed out' : `exit ${child.exitCode}`}): ${tail || 'no output'}`);
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    child.stdout!.resume();
    await this.settle(child.pid!);
  }

  /**
   * Waits (at most SETTLE_MAX_MS) until the server has used no CPU for SETTLE_QUIET_MS: its
   * inspection threads boot after "petrel ready" (about a second of CPU), and that one-off cost
   * belongs to start-up, not to the messages of the load that follows.
   */
  private async settle(pid: number): Promise<void> {
    const deadline = Date.now() + SETTLE_MAX_MS;
    let last = cpuSeconds(pid);
    let quietSince = Date.now();
    while (Date.now() < deadline && Date.now() - quietSince < SETTLE_QUIET_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = cpuSeconds(pid);
      if (now !== last) quietSince = Date.now();
      last = now;
    }
  }

  memoryKb(): number {
    return this.child?.pid ? peakRssKb(this.child.pid) : 0;
  }

  cpuSeconds(): number | null {
    return this.child?.pid ? cpuSeconds(this.child.pid) : null;
  }

  mainThreadCpuSeconds(): number | null {
    return this.child?.pid ? cpuSeconds(this.child.pid, this.child.pid) : null;
  }

  /** Through the CLI, not SQL, because the schema is Petrel's business and still changing. */
  async countStored(): Promise<number> {
    let total = 0;
    await forEachLimited(userAddresses(this.users), 2, async (address) => {
      const entries: unknown = JSON.parse(await this.cli(['mail', 'list', address, '--json']));
      if (!Array.isArray(entries)) throw new Error(`petrel mail list ${address} --json did not print an array`);
      total += entries.length;
    });
    return total;
  }

  /**
   * Whether the substring index holds every stored message and no expunged one yet, through the
   * CLI like `countStored`. On SQLite a thread of the server indexes after each 250.
   */
  async searchIndexCaughtUp(): Promise<boolean> {
    const status = JSON.parse(await this.cli(['search-index', 'status', '--json'])) as { notIndexed?: unknown; removalsQueued?: unknown };
    if (typeof status.notIndexed !== 'number' || typeof status.removalsQueued !== 'number') {
      throw new Error('petrel search-index status --json printed no notIndexed / removalsQueued');
    }
    return status.notIndexed === 0 && status.removalsQueued === 0;
  }

  async stop(keep: boolean): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // A clean stop is part of the product; give it time, then make sure nothing is left behind.
      if ((await Promise.race([exited, sleep(15_000, 'timeout')])) === 'timeout') child.kill('SIGKILL');
    }
    if (this.profileDir) process.stderr.write(`petrel: CPU profile written to ${this.profileDir}\n`);
    if (keep) process.stderr.write(`petrel: kept ${this.root} (data/ and server.log)\n`);
    else rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Petrel checks SPF and DMARC on every inbound message and has no DNS cache of its own; a
 * production MX sits behind a warm caching resolver. The senders' records go into Petrel's DNS
 * overrides, answered in-process, so the figure is about Petrel and not about whatever resolver
 * this machine has (a sandbox resolver that drops a query costs a 1 s retry). SPF passes for the
 * loopback client and DMARC is published, so every check runs to the end as for real mail.
 */
function localDnsConfig(): { dns: { system: boolean; overrides: Record<string, { TXT: string[] }> } } {
  const overrides: Record<string, { TXT: string[] }> = {};
  for (const domain of SENDER_DOMAINS) {
    overrides[domain] = { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] };
    overrides[`_dmarc.${domain}`] = { TXT: [`v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`] };
  }
  return { dns: { system: false, overrides } };
}

export function userAddresses(users: number): string[] {
  return Array.from({ length: users }, (_, i) => `user${i + 1}@bench.test`);
}
