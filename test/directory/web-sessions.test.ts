// Web sessions and the interactive login: the token is random and only its SHA-256 is stored; a
// session ends when idle too long or too old, on revoke, and on a password change; the login asks
// a TOTP user for the code (or a recovery code), never says which of login or password was wrong,
// and audits every outcome. Both dialects; the clock is injected.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { TOTP, Secret } from 'otpauth';

import { listAudit } from '../../src/directory/audit.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { confirmTotp, enrolTotp } from '../../src/directory/totp.ts';
import { addUser, setPassword } from '../../src/directory/users.ts';
import {
  ABSOLUTE_LIFETIME_MS,
  changeOwnPassword,
  createWebSession,
  IDLE_TIMEOUT_MS,
  listWebSessions,
  loginForSession,
  revokeAllWebSessions,
  revokeWebSession,
  verifyWebSession,
} from '../../src/directory/web-sessions.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const RIGHT = 'correct horse battery';
const WEB = { protocol: 'web', remoteAddress: '192.0.2.7' };

function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

async function refused(promise: Promise<unknown>, message: RegExp, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof DirectoryError && err.code === 'invalid' && message.test(err.message) && err.field === field);
}

forEachDialect('web sessions', (fixture) => {
  let store: Store;
  let t = Date.parse('2026-11-23T10:00:00Z');
  const clock = () => t;

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'web.test');
    for (const u of ['ann', 'ben', 'cat', 'dan']) await addUser(store.db, { address: `${u}@web.test`, password: RIGHT });
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('a session token opens its session; only the SHA-256 of the token is stored', async () => {
    const ann = await loginForSession(store.db, 'ann@web.test', RIGHT, undefined, WEB, clock);
    const { token, id } = await createWebSession(store.db, ann.id, { remoteAddress: '192.0.2.7', userAgent: 'Firefox' }, clock);
    assert.ok(Buffer.from(token, 'base64url').length === 32);
    assert.deepEqual(await verifyWebSession(store.db, token, clock), { id, principalId: ann.id });
    const row = await store.db.selectFrom('web_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(token), 'the token itself is nowhere in the row');
    assert.equal(await verifyWebSession(store.db, `${token}x`, clock), null);
    const [listed] = await listWebSessions(store.db, ann.id, clock);
    assert.equal(listed.id, id);
    assert.equal(listed.userAgent, 'Firefox');
  });

  test('a session ends after the idle timeout, and after the absolute lifetime even when in use', async () => {
    const ben = await loginForSession(store.db, 'ben@web.test', RIGHT, undefined, WEB, clock);
    const idle = await createWebSession(store.db, ben.id, {}, clock);
    t += IDLE_TIMEOUT_MS - 1000;
    assert.ok(await verifyWebSession(store.db, idle.token, clock), 'just before the idle limit');
    t += IDLE_TIMEOUT_MS - 1000;
    assert.ok(await verifyWebSession(store.db, idle.token, clock), 'each use restarts the idle timer');
    t += IDLE_TIMEOUT_MS;
    assert.equal(await verifyWebSession(store.db, idle.token, clock), null, 'idle too long');

    const busy = await createWebSession(store.db, ben.id, {}, clock);
    const end = t + ABSOLUTE_LIFETIME_MS;
    while (t + IDLE_TIMEOUT_MS / 2 < end) {
      t += IDLE_TIMEOUT_MS / 2;
      assert.ok(await verifyWebSession(store.db, busy.token, clock));
    }
    t = end;
    assert.equal(await verifyWebSession(store.db, busy.token, clock), null, 'too old, however busy');
    assert.deepEqual(await listWebSessions(store.db, ben.id, clock), []);
  });

  test('sessions are revoked one by one, all at once, and by a password change', async () => {
    const cat = await loginForSession(store.db, 'cat@web.test', RIGHT, undefined, WEB, clock);
    const ben = await loginForSession(store.db, 'ben@web.test', RIGHT, undefined, WEB, clock);
    const a = await createWebSession(store.db, cat.id, {}, clock);
    const b = await createWebSession(store.db, cat.id, {}, clock);
    const c = await createWebSession(store.db, cat.id, {}, clock);
    await assert.rejects(revokeWebSession(store.db, ben.id, a.id), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found', 'not another principal\'s session');
    await revokeWebSession(store.db, cat.id, a.id);
    assert.equal(await verifyWebSession(store.db, a.token, clock), null);
    assert.ok(await verifyWebSession(store.db, b.token, clock));
    assert.equal(await revokeAllWebSessions(store.db, cat.id), 2);
    assert.equal(await verifyWebSession(store.db, c.token, clock), null);

    const d = await createWebSession(store.db, cat.id, {}, clock);
    await setPassword(store.db, 'cat@web.test', 'a brand new secret');
    assert.equal(await verifyWebSession(store.db, d.token, clock), null, 'an admin password reset signs the user out');
  });

  test('a wrong login or password gives the same answer, and both are audited', async () => {
    await refused(loginForSession(store.db, 'nobody@web.test', RIGHT, undefined, WEB, clock), /^wrong credentials$/);
    await refused(loginForSession(store.db, 'dan@web.test', 'not it at all', undefined, WEB, clock), /^wrong credentials$/);
    const failures = await listAudit(store.db, { action: 'login.failure', limit: 2 });
    assert.deepEqual(failures.map((f) => f.details.reason), ['wrong password', 'unknown login']);
    assert.ok(failures.every((f) => f.protocol === 'web' && f.remoteAddress === '192.0.2.7'));
  });

  test('with TOTP on, the login needs a code or an unused recovery code', async () => {
    const dan = await loginForSession(store.db, 'dan@web.test', RIGHT, undefined, WEB, clock);
    const { secret } = await enrolTotp(store.db, dan, 'Petrel', clock);
    const recovery = await confirmTotp(store.db, dan.id, codeAt(secret, t), clock);
    t += 30_000;

    await refused(loginForSession(store.db, 'dan@web.test', RIGHT, undefined, WEB, clock), /second factor is required/, 'totp');
    assert.equal((await listAudit(store.db, { action: 'login.failure', limit: 1 }))[0].details.reason, 'second factor required');
    await refused(loginForSession(store.db, 'dan@web.test', RIGHT, '000000', WEB, clock), /wrong credentials/, 'totp');
    await refused(loginForSession(store.db, 'dan@web.test', 'wrong password!', codeAt(secret, t), WEB, clock), /^wrong credentials$/);

    const code = codeAt(secret, t);
    assert.equal((await loginForSession(store.db, 'dan@web.test', RIGHT, code, WEB, clock)).id, dan.id);
    const [success] = await listAudit(store.db, { action: 'login.success', limit: 1 });
    assert.equal(success.details.secondFactor, 'totp');
    await refused(loginForSession(store.db, 'dan@web.test', RIGHT, code, WEB, clock), /wrong credentials/, 'totp');

    assert.equal((await loginForSession(store.db, 'dan@web.test', RIGHT, recovery[0].toUpperCase(), { protocol: 'api' }, clock)).id, dan.id, 'recovery codes ignore case; any protocol name is interactive here');
    await refused(loginForSession(store.db, 'dan@web.test', RIGHT, recovery[0], WEB, clock), /wrong credentials/, 'totp');
  });

  test('an expired password is refused with field password until the user sets a new one', async () => {
    const ann = await loginForSession(store.db, 'ann@web.test', RIGHT, undefined, WEB, clock);
    await store.db.updateTable('tenants').set({ password_max_age_days: 90 }).where('id', '=', ann.tenant_id).execute();
    t += 91 * 86_400_000;
    await refused(loginForSession(store.db, 'ann@web.test', RIGHT, undefined, WEB, clock), /expired/, 'password');
    await assert.rejects(changeOwnPassword(store.db, 'ann@web.test', 'wrong old one', 'another long secret', { now: clock }), /wrong credentials/);
    await assert.rejects(changeOwnPassword(store.db, 'ann@web.test', RIGHT, RIGHT, { now: clock }), /must differ/);
    await changeOwnPassword(store.db, 'ann@web.test', RIGHT, 'another long secret', { now: clock });
    assert.equal((await loginForSession(store.db, 'ann@web.test', 'another long secret', undefined, WEB, clock)).id, ann.id);
    await refused(loginForSession(store.db, 'ann@web.test', RIGHT, undefined, WEB, clock), /^wrong credentials$/);
    await store.db.updateTable('tenants').set({ password_max_age_days: 0 }).where('id', '=', ann.tenant_id).execute();
  });
});
