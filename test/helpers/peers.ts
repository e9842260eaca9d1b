import { spawnSync } from 'node:child_process';

export interface PeerResult {
  status: number;
  output: string;
}

/** Runs a client we did not write (swaks, python3) and returns its exit status and transcript. */
export function runPeer(command: string, args: string[], input?: string): PeerResult {
  const result = spawnSync(command, args, { encoding: 'utf8', input, timeout: 60_000 });
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export function swaks(args: string[]): PeerResult {
  return runPeer('swaks', ['--timeout', '30', ...args]);
}

/** python3 -c SCRIPT, with the script reading its arguments from sys.argv. */
export function python(script: string, args: string[] = [], input?: string): PeerResult {
  return runPeer('python3', ['-c', script, ...args], input);
}
