import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls until `probe` returns something other than undefined/false/null, or fails after
 * `timeoutMs` naming what it waited for. Only there to stop a hang, never to measure speed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      // A probe may fail transiently (a CLI call racing a busy database); keep the last reason.
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `; last error: ${(lastError as Error).message}` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 20_000} ms waiting for ${what}${why}`);
    }
    await delay(options.intervalMs ?? 300);
  }
}
