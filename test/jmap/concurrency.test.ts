// maxConcurrentRequests / maxConcurrentUpload (RFC 8620 §2): per principal, freed when work ends or fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConcurrencyLimit } from '../../src/jmap/concurrency.ts';

test('a principal at its limit is refused; others are not; a slot frees when work ends or throws', async () => {
  const limit = new ConcurrencyLimit(2);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = limit.run(1, () => gate.then(() => 'a'));
  const second = limit.run(1, () => gate.then(() => 'b'));
  assert.equal(await limit.run(1, async () => 'c'), null, 'a third request of principal 1 is refused');
  assert.equal(await limit.run(2, async () => 'd'), 'd', 'principal 2 has its own slots');
  release();
  assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
  await assert.rejects(limit.run(1, async () => Promise.reject(new Error('boom'))));
  assert.equal(await limit.run(1, async () => 'e'), 'e', 'slots are free again, failures included');
});
