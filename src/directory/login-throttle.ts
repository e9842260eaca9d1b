/** How long a failing address is remembered; a quiet hour forgives it. */
const FORGET_AFTER_MS = 60 * 60_000;
const MAX_TRACKED = 100_000;

/**
 * Slows password guessing from one address: each failure from an address makes the next failure
 * answer later (0.5 s, 1 s, 2 s ... up to 15 s), whichever protocol it comes through. A success
 * clears the address. Memory is bounded: the oldest entries go first when the table is full.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a failure and returns how long to wait before answering it. */
  fail(remoteAddress: string): number {
    const now = this.now();
    const entry = this.failures.get(remoteAddress);
    const count = entry && now - entry.last < FORGET_AFTER_MS ? entry.count + 1 : 1;
    this.failures.delete(remoteAddress);
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(remoteAddress, { count, last: now });
    return Math.min(500 * 2 ** (count - 1), 15_000);
  }

  succeed(remoteAddress: string): void {
    this.failures.delete(remoteAddress);
  }

  failuresFrom(remoteAddress: string): number {
    const entry = this.failures.get(remoteAddress);
    return entry && this.now() - entry.last < FORGET_AFTER_MS ? entry.count : 0;
  }
}
