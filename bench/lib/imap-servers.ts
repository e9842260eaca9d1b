import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { canConnect, freePort, mustRun, processTree, pssKb, runCommand, startDaemon, waitUntil } from './processes.ts';

/**
 * The two IMAP servers bench/imap compares, each in its own temporary directory on its own
 * loopback port, with the same account (alice@example.test) and nothing else.
 */

export const USER = 'alice@example.test';
/** Petrel refuses passwords under 8 characters. */
export const PASSWORD = 'bench-password';
const REPO = new URL('../../', import.meta.url).pathname;
const PETREL = join(REPO, 'bin/petrel.js');
const DOVECOT = '/usr/sbin/dovecot';
const XAPIAN_PLUGIN = '/usr/lib/dovecot/modules/lib21_fts_xapian_plugin.so';
const READY_TIMEOUT_MS = 60_000;

export interface MemoryFigures {
  /** Resident set: Petrel's process; for Dovecot the sum over all its processes (counts shared pages many times). */
  rssKb: number;
  /** Proportional set size summed over the server's processes: shared pages counted once. */
  pssKb: number;
  processes: number;
}

export interface ServerSetup {
  /** Connections the server must accept from this one user at once. */
  connections: number;
  /** Dovecot only: IMAP sessions per imap process (Dovecot's default is 1, a process per session). */
  dovecotClientsPerProcess: number;
  /** Dovecot only: use the fts-xapian plugin for SEARCH BODY. */
  dovecotFts: 'xapian' | 'none';
}

export interface ImapServer {
  /** Prefix of every figure: "petrel", "dovecot". */
  readonly name: string;
  readonly port: number;
  /** One line for the output: version and the settings that matter. */
  readonly description: string;
  start(setup: ServerSetup): Promise<void>;
  /** Memory right now; cheap enough to sample twice a second while the load runs. */
  memory(): MemoryFigures;
  /** CPU seconds the server has used so far, all its processes, ended ones included. */
  cpuSeconds(): number;
  /** Lines of the server's log that report trouble, for stderr after a run. */
  problems(): string[];
  /** Stops the server and, unless keep is set, removes its directory. */
  stop(keep: boolean): Promise<void>;
}

function procField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

let clockTicks = 0;

/**
 * CPU seconds of a process tree: user + system of every live process, plus what the root's ended
 * children used (cutime + cstime, kept by the kernel once the root has reaped them), so that
 * Dovecot's imap processes, one per session and gone at LOGOUT, still count. Unlike a rate, this
 * hardly moves when other work shares the machine.
 */
export function treeCpuSeconds(root: number): number {
  clockTicks ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  for (const pid of processTree([root])) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Fields after the parenthesised name: state is the 1st, utime the 12th, stime 13th, cutime 14th, cstime 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      if (pid === root) ticks += Number(fields[13]) + Number(fields[14]);
    } catch {
      // Ended between listing and reading; its time is in its parent's cutime once reaped.
    }
  }
  return ticks / clockTicks;
}

function lastLines(path: string, count: number): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-count).join(' / ');
  } catch {
    return `no ${path}`;
  }
}

/** Petrel from this working tree (no build), on SQLite in a fresh data directory, only IMAP on. */
export class PetrelImap implements ImapServer {
  readonly name = 'petrel';
  port = 0;
  description = 'petrel';
  private readonly root = mkdtempSync(join(tmpdir(), 'petrel-bench-imap-'));
  private child: ChildProcess | null = null;

  private cli(args: string[]): Promise<string> {
    return mustRun(process.execPath, [PETREL, ...args, '--data', join(this.root, 'data')], { cwd: REPO, timeoutMs: READY_TIMEOUT_MS });
  }

  async start(_setup: ServerSetup): Promise<void> {
    mkdirSync(join(this.root, 'data'));
    await this.cli(['domain', 'add', 'example.test']);
    await this.cli(['user', 'add', USER, '--password', PASSWORD]);
    this.port = await freePort();
    const logPath = join(this.root, 'server.log');
    const log = openSync(logPath, 'w');
    const off = ['--smtp-port', '--submission-port', '--submissions-port', '--lmtp-port', '--imaps-port', '--pop3-port', '--pop3s-port', '--http-port'].flatMap((flag) => [flag, '0']);
    // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under the load.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const args = [...nodeArgs, PETREL, 'serve', '--data', join(this.root, 'data'), '--listen', '127.0.0.1', '--imap-port', String(this.port), ...off];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    this.child = child;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
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
    if (!ready) throw new Error(`petrel serve did not print "petrel ready" (${child.exitCode === null ? 'timed out' : `exit ${child.exitCode}`}): ${lastLines(logPath, 3) || 'no output'}`);
    child.stdout!.resume();
    if (!(await canConnect('127.0.0.1', this.port))) throw new Error(`petrel is ready but nothing listens on IMAP port ${this.port}: ${lastLines(logPath, 3)}`);
    const commit = await runCommand('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO });
    this.description = `petrel ${commit.code === 0 ? commit.stdout.trim() : ''} (SQLite, node ${process.version})`;
  }

  memory(): MemoryFigures {
    const pid = this.child?.pid;
    if (!pid) return { rssKb: 0, pssKb: 0, processes: 0 };
    return { rssKb: procField(pid, 'VmRSS'), pssKb: pssKb(pid), processes: 1 };
  }

  cpuSeconds(): number {
    return this.child?.pid ? treeCpuSeconds(this.child.pid) : 0;
  }

  problems(): string[] {
    try {
      return readFileSync(join(this.root, 'server.log'), 'utf8')
        .split('\n')
        .filter((l) => /error|fatal|uncaught/i.test(l))
        .slice(0, 5);
    } catch {
      return [];
    }
  }

  async stop(keep: boolean): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      if ((await Promise.race([exited, sleep(15_000, 'timeout')])) === 'timeout') child.kill('SIGKILL');
    }
    if (keep) process.stderr.write(`petrel: kept ${this.root} (data/, server.log)\n`);
    else rmSync(this.root, { recursive: true, force: true });
  }
}

/** Why the Dovecot side cannot run here, or null when it can. */
export function dovecotUnavailable(): string | null {
  if (!existsSync(DOVECOT)) return 'dovecot not installed (apt-get install dovecot-imapd)';
  if (!existsSync('/usr/lib/dovecot/imap')) return 'dovecot-imapd not installed';
  return null;
}

export function xapianAvailable(): boolean {
  return existsSync(XAPIAN_PLUGIN);
}

interface MailOwner {
  name: string;
  uid: number;
  gid: number;
}

/** Dovecot refuses to keep mail as root, so as root the stock "mail" user owns it; otherwise we do. */
function mailOwner(): MailOwner {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid };
  }
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mail:'));
  if (!line) throw new Error('no system user "mail" to own the Dovecot mail');
  const fields = line.split(':');
  return { name: 'mail', uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Debian's Dovecot 2.3 with a config of its own: IMAP only, plaintext LOGIN allowed (loopback),
 * passwd-file auth, Maildir, fsync at its default. Everything else is Dovecot's built-in default
 * (no conf.d is read), including a process per IMAP session unless dovecotClientsPerProcess says
 * otherwise.
 */
function dovecotConfig(dir: string, port: number, owner: MailOwner, setup: ServerSetup): string {
  const perProcess = setup.dovecotClientsPerProcess;
  // The master starts a new process whenever the idle ones look busy, so leave room.
  const processes = Math.ceil(setup.connections / perProcess) * 2 + 20;
  const notRoot = process.getuid?.() !== 0 ? `default_internal_user = ${owner.name}\ndefault_login_user = ${owner.name}\n` : '';
  const fts =
    setup.dovecotFts === 'xapian'
      ? `mail_plugins = $mail_plugins fts fts_xapian
plugin {
  fts = xapian
  fts_xapian = partial=3 full=20 verbose=0
  # Indexed on the first SEARCH after the preload (timed separately), not during it.
  fts_autoindex = no
  fts_enforced = yes
}
service indexer-worker {
  vsz_limit = 2G
}
`
      : '';
  return `# Private Dovecot for bench/imap; not the system's. See bench/README.md.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
${notRoot}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = ${owner.uid}
last_valid_uid = ${owner.uid}
mail_max_userip_connections = ${setup.connections + 100}
default_client_limit = ${Math.max(1000, setup.connections + 100)}
${fts}passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service imap {
  # service_count 1 (the default) would end each process after one session, whatever client_limit says.
  service_count = ${perProcess > 1 ? 0 : 1}
  client_limit = ${perProcess}
  process_limit = ${processes}
  vsz_limit = ${perProcess > 1 ? '4G' : '256M'}
}
service anvil {
  client_limit = ${Math.max(1000, processes + 200)}
}
`;
}

export class DovecotImap implements ImapServer {
  readonly name = 'dovecot';
  port = 0;
  description = 'dovecot';
  private readonly dir = mkdtempSync(join(tmpdir(), 'petrel-bench-dovecot-'));
  private started = false;
  private masterPid: number | null = null;

  private get conf(): string {
    return join(this.dir, 'dovecot.conf');
  }

  async start(setup: ServerSetup): Promise<void> {
    const owner = mailOwner();
    // The imap processes run as the mail owner and must get into the directory.
    chmodSync(this.dir, 0o755);
    for (const sub of ['run', 'state']) mkdirSync(join(this.dir, sub));
    mkdirSync(join(this.dir, 'mail'), { mode: 0o700 });
    chownSync(join(this.dir, 'mail'), owner.uid, owner.gid);
    writeFileSync(join(this.dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}:${owner.uid}:${owner.gid}::${this.dir}/mail/alice::\n`);
    this.port = await freePort();
    writeFileSync(this.conf, dovecotConfig(this.dir, this.port, owner, setup));
    this.started = true;
    await startDaemon(DOVECOT, ['-c', this.conf], join(this.dir, 'start.log'));
    if (!(await waitUntil(() => canConnect('127.0.0.1', this.port), READY_TIMEOUT_MS, 100))) {
      throw new Error(`dovecot does not listen on ${this.port}: ${lastLines(join(this.dir, 'dovecot.log'), 3)}`);
    }
    // The master writes its pid file a moment after it starts listening.
    const pidFile = join(this.dir, 'run/master.pid');
    if (!(await waitUntil(() => existsSync(pidFile), READY_TIMEOUT_MS, 50))) throw new Error(`dovecot wrote no ${pidFile}`);
    await sleep(50);
    const pid = Number(readFileSync(pidFile, 'latin1').trim());
    this.masterPid = Number.isInteger(pid) && pid > 0 ? pid : null;
    const version = await runCommand(DOVECOT, ['--version']);
    const perProcess = setup.dovecotClientsPerProcess === 1 ? 'a process per session' : `${setup.dovecotClientsPerProcess} sessions per imap process`;
    this.description = `dovecot ${version.stdout.trim().split(' ')[0]} (Maildir, ${perProcess}, FTS ${setup.dovecotFts})`;
  }

  memory(): MemoryFigures {
    if (this.masterPid === null) return { rssKb: 0, pssKb: 0, processes: 0 };
    const pids = processTree([this.masterPid]);
    let rssKb = 0;
    let pss = 0;
    for (const pid of pids) {
      rssKb += procField(pid, 'VmRSS');
      pss += pssKb(pid);
    }
    return { rssKb, pssKb: pss, processes: pids.length };
  }

  cpuSeconds(): number {
    return this.masterPid === null ? 0 : treeCpuSeconds(this.masterPid);
  }

  problems(): string[] {
    try {
      return readFileSync(join(this.dir, 'dovecot.log'), 'utf8')
        .split('\n')
        .filter((l) => /(Error|Fatal|Panic|Warning):/.test(l) && !/fd limit/.test(l))
        .slice(0, 5);
    } catch {
      return [];
    }
  }

  async stop(keep: boolean): Promise<void> {
    const pids = this.masterPid === null ? [] : processTree([this.masterPid]);
    if (this.started) await mustRun(DOVECOT, ['-c', this.conf, 'stop']).catch((err: Error) => process.stderr.write(`dovecot: ${err.message}\n`));
    const alive = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return stat[stat.lastIndexOf(')') + 2] !== 'Z';
      } catch {
        return false;
      }
    };
    if (!(await waitUntil(() => !pids.some(alive), 20_000, 100))) {
      for (const pid of pids.filter(alive)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    if (keep) process.stderr.write(`dovecot: kept ${this.dir} (dovecot.conf, dovecot.log, mail/)\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
