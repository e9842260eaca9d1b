// Failed-login lockout per account: counted in the database (shared by every node and protocol),
// five failures within 15 minutes lock for 1 min, doubling per further lockout up to 1 h; while
// locked even the right password fails and the audit log says why; success and unlock reset it.
// Both dialects; the clock is injected.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lockedUntil, lockoutDuration, recordLoginFailure, unlockAccount } from '../../src/directory/account-lockout.ts';
import { listAudit } from '../../src/directory/audit.ts';
import { authenticate } from '../../src/directory/authenticate.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { addUser, setPassword } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const RIGHT = 'correct horse battery';
const MIN = 60_000;

forEachDialect('account lockout', (fixture) => {
  let store: Store;
  let t = Date.parse('2026-11-23T10:00:00Z');
  const clock = () => t;
  const login = (address: string, password: string) => authenticate(store.db, address, password, { protocol: 'imap', remoteAddress: '192.0.2.9' }, clock);
  const fail = async (address: string, times: number) => {
    for (let i = 0; i < times; i++) assert.equal(await login(address, 'wrong-guess'), null);
  };

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'lock.test');
    for (const u of ['alice', 'bob', 'carol', 'dave']) await addUser(store.db, { address: `${u}@lock.test`, password: RIGHT });
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('the backoff doubles from a minute and stops at an hour', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(lockoutDuration), [1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * MIN));
  });

  test('five failures lock the account; the right password is then refused and audited as locked', async () => {
    await fail('alice@lock.test', 4);
    assert.ok(await login('alice@lock.test', RIGHT), 'four failures do not lock, and a success resets the count');
    await fail('alice@lock.test', 4);
    assert.ok(await login('alice@lock.test', RIGHT), 'the count restarted after the success');
    await fail('alice@lock.test', 5);
    assert.equal(await login('alice@lock.test', RIGHT), null, 'locked: the right password fails');
    const [last] = await listAudit(store.db, { action: 'login.failure', actor: 'alice@lock.test', limit: 1 });
    assert.equal(last.details.reason, 'locked');
    t += MIN - 1;
    assert.equal(await login('alice@lock.test', RIGHT), null, 'still locked just before the minute is up');
    t += 1;
    assert.ok(await login('alice@lock.test', RIGHT), 'unlocked after one minute');
  });

  test('each further lockout doubles, up to an hour; failures while locked do not extend it', async () => {
    const id = (await store.db.selectFrom('principals').select('id').where('login', '=', 'bob@lock.test').executeTakeFirstOrThrow()).id;
    const expected = [1, 2, 4, 8, 16, 32, 60, 60];
    for (const minutes of expected) {
      await fail('bob@lock.test', 5);
      const until = await lockedUntil(store.db, id, clock);
      assert.equal(until, t + minutes * MIN, `lockout of ${minutes} min`);
      await fail('bob@lock.test', 3); // while locked: no effect
      assert.equal(await lockedUntil(store.db, id, clock), t + minutes * MIN);
      t += minutes * MIN;
      assert.equal(await lockedUntil(store.db, id, clock), null);
    }
    assert.ok(await login('bob@lock.test', RIGHT));
    await fail('bob@lock.test', 5);
    assert.equal(await lockedUntil(store.db, id, clock), t + MIN, 'a success resets the backoff to a minute');
    t += MIN;
  });

  test('failures spread over more than 15 minutes do not lock', async () => {
    for (let i = 0; i < 8; i++) {
      await fail('carol@lock.test', 1);
      t += 4 * MIN;
    }
    assert.ok(await login('carol@lock.test', RIGHT));
  });

  test('unlock clears the lock at once; the count is per account and shared through the database', async () => {
    const id = (await store.db.selectFrom('principals').select('id').where('login', '=', 'dave@lock.test').executeTakeFirstOrThrow()).id;
    // Failures from other protocols (or nodes) count towards the same lock.
    for (const protocol of ['imap', 'pop3', 'submission', 'imap', 'pop3']) {
      assert.equal(await authenticate(store.db, 'dave@lock.test', 'nope', { protocol }, clock), null);
    }
    assert.ok(await lockedUntil(store.db, id, clock));
    assert.ok(await login('carol@lock.test', RIGHT), 'another account is not affected');
    assert.equal(await unlockAccount(store.db, id), true);
    assert.ok(await login('dave@lock.test', RIGHT));
    assert.equal(await unlockAccount(store.db, id), false);
    assert.equal(await recordLoginFailure(store.db, id, clock), null);
  });
  test('a new password set by the administrator lifts a lock', async () => {
    await addUser(store.db, { address: 'erin@lock.test', password: RIGHT });
    await fail('erin@lock.test', 5);
    assert.equal(await login('erin@lock.test', RIGHT), null, 'locked');
    await setPassword(store.db, 'erin@lock.test', 'a brand new secret');
    assert.ok(await login('erin@lock.test', 'a brand new secret'));
  });
});
