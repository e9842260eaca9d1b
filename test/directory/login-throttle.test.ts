import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LoginThrottle } from '../../src/directory/login-throttle.ts';

test('each failure from an address waits longer, up to a cap; other addresses are not slowed', () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  const delays = Array.from({ length: 8 }, () => throttle.fail('192.0.2.1'));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.equal(throttle.fail('192.0.2.2'), 500);
  assert.equal(throttle.failuresFrom('192.0.2.1'), 8);
});

test('a success clears the address, and an hour of quiet forgives it', () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  throttle.fail('198.51.100.7');
  throttle.fail('198.51.100.7');
  throttle.succeed('198.51.100.7');
  assert.equal(throttle.fail('198.51.100.7'), 500);
  now += 61 * 60_000;
  assert.equal(throttle.failuresFrom('198.51.100.7'), 0);
  assert.equal(throttle.fail('198.51.100.7'), 500);
});
