import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultRetryPolicy, nextAttemptDelay } from '../../src/delivery/retry-schedule.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const middle = () => 0.5; // no jitter

describe('nextAttemptDelay', () => {
  it('doubles from one minute after each failed attempt', () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => nextAttemptDelay(attempts, { random: middle }));
    assert.deepEqual(delays, [1, 2, 4, 8, 16].map((m) => m * MINUTE));
  });

  it('is capped at four hours, however many attempts failed', () => {
    assert.equal(nextAttemptDelay(9, { random: middle }), 4 * HOUR);
    assert.equal(nextAttemptDelay(1_000, { random: middle }), 4 * HOUR);
  });

  it('treats zero attempts like the first failure', () => {
    assert.equal(nextAttemptDelay(0, { random: middle }), MINUTE);
  });

  it('spreads each delay by at most ±10% using the injected random source', () => {
    assert.equal(nextAttemptDelay(3, { random: () => 0 }), 0.9 * 4 * MINUTE);
    assert.equal(nextAttemptDelay(3, { random: () => 1 }), 1.1 * 4 * MINUTE);
    for (let i = 0; i < 100; i++) {
      const delay = nextAttemptDelay(20);
      assert.ok(delay >= 0.9 * 4 * HOUR && delay <= 1.1 * 4 * HOUR);
    }
  });

  it('follows a custom policy', () => {
    const policy = { initialDelayMs: 1000, maxDelayMs: 5000, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4].map((a) => nextAttemptDelay(a, { policy })), [1000, 2000, 4000, 5000]);
  });
});

describe('defaultRetryPolicy', () => {
  it('gives up after five days and warns after four hours', () => {
    assert.equal(defaultRetryPolicy.expireAfterMs, 5 * 24 * HOUR);
    assert.equal(defaultRetryPolicy.delayNoticeAfterMs, 4 * HOUR);
    assert.ok(Object.isFrozen(defaultRetryPolicy));
  });
});
