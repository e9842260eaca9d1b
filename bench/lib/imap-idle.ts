import { performance } from 'node:perf_hooks';

import { ImapError, mustBeOk, openLoggedIn, type ConnectOptions, type ImapConnection } from './imap-client.ts';

/**
 * Many idle sessions, as a mail client fleet leaves them: each connects, logs in and, depending on
 * `state`, stops there, or also SELECTs INBOX, or also enters IDLE (RFC 2177) and waits.
 */

export type IdleState = 'authenticated' | 'selected' | 'idle';

export interface IdleResult {
  open: ImapConnection[];
  failures: Map<string, number>;
  openMs: number;
}

const PARALLEL_OPENS = 50;
/** Stop trying after this many failures: the server has clearly hit a limit and the reason is printed. */
const MAX_FAILURES = 50;

async function openOne(connect: ConnectOptions, user: string, password: string, state: IdleState): Promise<ImapConnection> {
  const connection = await openLoggedIn(connect, user, password);
  try {
    if (state !== 'authenticated') mustBeOk(await connection.run('SELECT INBOX'), 'SELECT INBOX');
    if (state === 'idle') {
      // IDLE has no tagged reply until DONE: send it raw and wait for the "+ idling".
      connection.write('idle1 IDLE\r\n');
      await connection.continuation();
    }
    return connection;
  } catch (err) {
    connection.destroy();
    throw err;
  }
}

export async function openIdleConnections(connect: ConnectOptions, user: string, password: string, count: number, state: IdleState, progress: (opened: number) => void): Promise<IdleResult> {
  const open: ImapConnection[] = [];
  const failures = new Map<string, number>();
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count && failed < MAX_FAILURES) {
      next++;
      try {
        open.push(await openOne(connect, user, password, state));
        if (open.length % 1000 === 0) progress(open.length);
      } catch (err) {
        failed++;
        const reason = (err instanceof ImapError ? err.message : String(err)).replace(/\d{2,}/g, 'N').slice(0, 160);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_OPENS }, worker));
  return { open, failures, openMs: performance.now() - started };
}
