/**
 * When to try an outbound message again. RFC 5321 §4.5.4.1 asks for a retry interval of at least
 * 30 minutes and a give-up time of 4-5 days; we start sooner (greylisting usually clears within
 * minutes) and back off exponentially, so a host that stays down costs few attempts.
 */
export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  initialDelayMs: number;
  /** Ceiling for the doubling delay. */
  maxDelayMs: number;
  /** Spread each delay by ± this fraction so messages queued together do not retry in lockstep. */
  jitter: number;
  /** Bounce whatever is still undelivered this long after the message was queued (RFC 5321 §4.5.4.1). */
  expireAfterMs: number;
  /** Tell the sender the message is delayed once it has waited this long (RFC 3464 Action: delayed). */
  delayNoticeAfterMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: MINUTE,
  maxDelayMs: 4 * HOUR,
  jitter: 0.1,
  expireAfterMs: 5 * 24 * HOUR,
  delayNoticeAfterMs: 4 * HOUR,
});

/**
 * Milliseconds to wait before the next attempt, given how many attempts have failed so far
 * (1 after the first failure): 1m, 2m, 4m, … capped at 4h, each ± jitter.
 * `random` returns a number in [0, 1) like Math.random; inject a constant for deterministic tests.
 */
export function nextAttemptDelay(
  attempts: number,
  opts: { policy?: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>; random?: () => number } = {},
): number {
  const policy = opts.policy ?? defaultRetryPolicy;
  const random = opts.random ?? Math.random;
  const doublings = Math.max(0, Math.floor(attempts) - 1);
  // Past ~30 doublings the product overflows any sane cap anyway; clamp before exponentiating.
  const base = Math.min(policy.initialDelayMs * 2 ** Math.min(doublings, 30), policy.maxDelayMs);
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(base * spread);
}
