import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Process plumbing shared by both targets: commands with a time limit, ports, /proc memory figures. */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`); never throws for a non-zero exit. */
export function runCommand(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && !stderr ? err.message : '') });
    });
  });
}

/** Like runCommand, but a failure becomes an error carrying the command's own words. */
export async function mustRun(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new Error(`${[file, ...args].join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return result.stdout;
}

/**
 * For commands that start a daemon (`dovecot`, `postfix start`): the daemon inherits the command's
 * stdout and stderr, so waiting for those pipes to close, as execFile does, would wait for the
 * daemon to end. Output goes to `logPath` instead and only the command's own exit is awaited.
 */
export async function startDaemon(file: string, args: string[], logPath: string, timeoutMs = 60_000): Promise<void> {
  const log = openSync(logPath, 'a');
  const child = spawn(file, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('error', () => resolve(-1));
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) {
    const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${[file, ...args].join(' ')} ${code === null ? 'timed out' : `failed (exit ${code})`}: ${tail || 'no output'}`);
  }
}

/** Runs `task` over `items`, at most `parallel` at a time. */
export async function forEachLimited<T>(items: T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}

/** A loopback port the OS just handed out; taken right after, so a clash is very unlikely. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` every `intervalMs` until it holds; false if `timeoutMs` passed first. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await sleep(intervalMs);
  }
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A kB figure from /proc/PID/status or smaps_rollup ("VmHWM:  1234 kB"); 0 if the process is gone. */
function procKb(path: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'latin1'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set of one process since it started, kept by the kernel, in KiB. */
export function peakRssKb(pid: number): number {
  return procKb(`/proc/${pid}/status`, 'VmHWM');
}

let clockTicks = 0;

/**
 * CPU time (user + system) a process has used since it started, in seconds, over every thread or
 * for one thread (the main thread's id is the process id); 0 if it is gone. Unlike a rate, this does not move when other work shares the machine.
 */
export function cpuSeconds(pid: number, thread?: number): number {
  clockTicks ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'latin1');
    // Fields after the parenthesised command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size in KiB: shared pages divided among the processes sharing them, so the sum
 * over a multi-process server (Postfix, Dovecot) does not count libc forty times.
 */
export function pssKb(pid: number): number {
  return procKb(`/proc/${pid}/smaps_rollup`, 'Pss');
}

/** The given processes and all their descendants, from the parent links in /proc/PID/stat. */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // The command name is in parentheses and may contain spaces; the parent pid is the 2nd field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [...roots];
  while (queue.length > 0 && found.length < 100_000) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Samples a memory figure every `intervalMs` and keeps the largest value seen. */
export class PeakSampler {
  private peak = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sample: () => number,
    intervalMs: number,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), intervalMs);
  }

  take(): void {
    this.peak = Math.max(this.peak, this.sample());
    this.samples++;
  }

  stop(): { peakKb: number; samples: number } {
    clearInterval(this.timer);
    this.take();
    return { peakKb: this.peak, samples: this.samples };
  }
}
