import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/petrel.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `petrel` command, as an admin would. */
export function petrel(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input: options.input, env: { ...process.env, ...options.env }, timeout: 60_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function petrelOk(args: string[], options: { input?: string } = {}): string {
  const result = petrel(args, options);
  if (result.status !== 0) throw new Error(`petrel ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

export interface PetrelPorts {
  smtp: number;
  submission: number;
  submissions: number;
  lmtp: number;
}

export interface RunningPetrel {
  dataDir: string;
  ports: PetrelPorts;
  stdout: string;
  process: ChildProcess;
  /** `--data DIR` (and `--database URL`) for CLI calls against this instance. */
  args: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  database?: string;
  hostname?: string;
  /** TOML appended to the generated config file (DNS overrides, outbound settings, ...). */
  configToml?: string;
  extraArgs?: string[];
  /** Reuse these ports (a restart after a crash). */
  ports?: PetrelPorts;
}

/**
 * Starts `petrel serve` as a child process on free loopback ports with its own data dir. A free
 * port can be taken by a parallel test file between choosing it and binding it; then the start is
 * tried again on other ports, in a fresh data dir (a first start prints the admin login once).
 */
export async function startPetrel(options: StartOptions = {}): Promise<RunningPetrel> {
  for (let attempt = 1; ; attempt++) {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'petrel-test-'));
    const ports = options.ports ?? { smtp: await freePort(), submission: await freePort(), submissions: await freePort(), lmtp: await freePort() };
    try {
      return await startOnce(options, dataDir, ports);
    } catch (err) {
      const collided = err instanceof Error && err.message.includes('EADDRINUSE');
      if (!collided || options.ports || options.dataDir || attempt >= 3) throw err;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function startOnce(options: StartOptions, dataDir: string, ports: PetrelPorts): Promise<RunningPetrel> {
  const configFile = join(dataDir, 'test-config.toml');
  // Tests never reach public DNS: everything not overridden is "no such domain".
  writeFileSync(configFile, `[dns]\nsystem = false\n${options.configToml ?? ''}\n`);
  const base = ['--data', dataDir, ...(options.database ? ['--database', options.database] : [])];
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      ...base,
      '--config',
      configFile,
      '--hostname',
      options.hostname ?? 'mx.petrel.test',
      '--listen',
      '127.0.0.1',
      '--smtp-port',
      String(ports.smtp),
      '--submission-port',
      String(ports.submission),
      '--submissions-port',
      String(ports.submissions),
      '--lmtp-port',
      String(ports.lmtp),
      // Listeners a test does not ask for (through extraArgs) stay off, so parallel servers never collide.
      '--imap-port',
      '0',
      '--imaps-port',
      '0',
      '--pop3-port',
      '0',
      '--pop3s-port',
      '0',
      '--http-port',
      '0',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.PETREL_TEST_VERBOSE) process.stderr.write(d);
  });
  await new Promise<void>((resolve, reject) => {
    // A server that never got ready is killed, or it would keep the test runner alive forever.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`petrel did not start in time:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('petrel ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`petrel exited with ${code} before it was ready:\n${stdout}\n${stderr}`));
    });
  });
  const running: RunningPetrel = {
    dataDir,
    ports,
    stdout,
    process: child,
    args: base,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
    async destroy() {
      await running.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}
