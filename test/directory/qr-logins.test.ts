// Sign-in by QR code in the directory: the secret is stored only as its SHA-256 and is the only
// way to collect the session; the approval needs the code the desktop shows, happens once, and
// turns into exactly one session of the approver; requests expire, can be denied, and one address
// cannot start them without limit. Both dialects; the clock is injected.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';

import { listAudit } from '../../src/directory/audit.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import {
  approveQrLogin,
  createQrLogin,
  denyQrLogin,
  describeQrLogin,
  pollQrLogin,
  QR_COLLECT_WINDOW_MS,
  QR_LOGIN_LIFETIME_MS,
  QR_MAX_PER_ADDRESS,
  QR_MAX_WRONG_CODES,
  QrLoginRateLimited,
} from '../../src/directory/qr-logins.ts';
import { addUser, updateUser } from '../../src/directory/users.ts';
import { verifyWebSession } from '../../src/directory/web-sessions.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const DESKTOP = { remoteAddress: '198.51.100.20', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };
const PHONE = '203.0.113.9';

function refusedWith(code: DirectoryError['code'], message: RegExp, field?: string) {
  return (err: unknown) => err instanceof DirectoryError && err.code === code && message.test(err.message) && err.field === field;
}

/** Another code than the right one, of the same shape. */
function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

forEachDialect('qr logins', (fixture) => {
  let store: Store;
  let t = Date.parse('2026-11-23T10:00:00Z');
  const clock = () => t;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'qr.test');
    for (const u of ['ann', 'ben', 'cat']) ids[u] = (await addUser(store.db, { address: `${u}@qr.test`, password: 'correct horse battery' })).id;
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('approved with the right code, the next poll gets one session of the approver, and no later poll does', async () => {
    const request = await createQrLogin(store.db, DESKTOP, clock);
    assert.equal(Buffer.from(request.secret, 'base64url').length, 32, 'a 256-bit secret');
    assert.match(request.code, /^\d{6}$/);
    assert.equal(request.expiresAt, t + QR_LOGIN_LIFETIME_MS);
    const row = await store.db.selectFrom('qr_logins').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    assert.equal(row.secret_hash, createHash('sha256').update(request.secret).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(request.secret), 'the secret itself is nowhere in the row');

    assert.deepEqual(await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock), { status: 'pending' });
    const shown = await describeQrLogin(store.db, request.id, clock);
    assert.deepEqual(shown, { id: request.id, status: 'pending', remoteAddress: DESKTOP.remoteAddress, userAgent: DESKTOP.userAgent, createdAt: t, expiresAt: request.expiresAt });
    assert.ok(!JSON.stringify(shown).includes(request.code), 'the approving side is never told the code');

    t += 5_000;
    await approveQrLogin(store.db, request.id, ` ${request.code.slice(0, 3)} ${request.code.slice(3)} `, { principalId: ids.ann, remoteAddress: PHONE }, clock);
    await assert.rejects(approveQrLogin(store.db, request.id, request.code, { principalId: ids.ben }, clock), refusedWith('conflict', /already been approved/, 'id'));
    t += 2_000;
    const collected = await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock);
    assert.equal(collected.status, 'approved');
    assert.ok(collected.token);
    const session = await verifyWebSession(store.db, collected.token, clock);
    assert.equal(session?.principalId, ids.ann, 'the session is the approver\'s');
    const sessionRow = await store.db.selectFrom('web_sessions').selectAll().where('id', '=', session!.id).executeTakeFirstOrThrow();
    assert.deepEqual([sessionRow.remote_address, sessionRow.user_agent], [DESKTOP.remoteAddress, DESKTOP.userAgent], 'the session is listed as the desktop\'s');

    assert.deepEqual(await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock), { status: 'used' }, 'handed out once');
    assert.equal((await describeQrLogin(store.db, request.id, clock)).status, 'used');
    await assert.rejects(approveQrLogin(store.db, request.id, request.code, { principalId: ids.ann }, clock), refusedWith('conflict', /already been used/, 'id'));

    const [login] = await listAudit(store.db, { action: 'login.success', limit: 1 });
    assert.deepEqual([login.actor, login.remoteAddress, login.protocol, login.details.via], ['ann@qr.test', DESKTOP.remoteAddress, 'web', 'qr code']);
    const [approval] = await listAudit(store.db, { action: 'qr-login.approve', limit: 1 });
    assert.deepEqual([approval.actor, approval.remoteAddress, approval.details.requestedFrom], ['ann@qr.test', PHONE, DESKTOP.remoteAddress]);
  });

  test('only the secret collects: an unknown id and a wrong secret are refused alike', async () => {
    const request = await createQrLogin(store.db, DESKTOP, clock);
    await approveQrLogin(store.db, request.id, request.code, { principalId: ids.ben }, clock);
    const notFound = refusedWith('not_found', /^no such sign-in request$/, 'id');
    await assert.rejects(pollQrLogin(store.db, request.id, `${request.secret.slice(0, -1)}A`, DESKTOP, clock), notFound);
    await assert.rejects(pollQrLogin(store.db, request.id, '', DESKTOP, clock), notFound);
    await assert.rejects(pollQrLogin(store.db, 'no-such-id', request.secret, DESKTOP, clock), notFound);
    const collected = await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock);
    assert.equal((await verifyWebSession(store.db, collected.token!, clock))?.principalId, ids.ben, 'the refused polls did not spend the approval');
  });

  test('a wrong code is refused, and the third one cancels the request', async () => {
    const request = await createQrLogin(store.db, DESKTOP, clock);
    const approver = { principalId: ids.cat, remoteAddress: PHONE };
    for (let i = 1; i < QR_MAX_WRONG_CODES; i++) {
      await assert.rejects(approveQrLogin(store.db, request.id, wrongCode(request.code), approver, clock), refusedWith('invalid', /does not match/, 'code'));
    }
    await assert.rejects(approveQrLogin(store.db, request.id, wrongCode(request.code), approver, clock), refusedWith('conflict', /too many wrong codes/, 'code'));
    await assert.rejects(approveQrLogin(store.db, request.id, request.code, approver, clock), refusedWith('conflict', /was denied/, 'id'), 'not even the right code now');
    assert.deepEqual(await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock), { status: 'denied' });
    assert.equal((await listAudit(store.db, { action: 'qr-login.wrong-code', limit: 10 })).length, QR_MAX_WRONG_CODES);
  });

  test('a denied request tells the desktop and cannot be approved afterwards', async () => {
    const request = await createQrLogin(store.db, DESKTOP, clock);
    await denyQrLogin(store.db, request.id, { principalId: ids.cat, remoteAddress: PHONE }, clock);
    assert.deepEqual(await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock), { status: 'denied' });
    await assert.rejects(approveQrLogin(store.db, request.id, request.code, { principalId: ids.cat }, clock), refusedWith('conflict', /was denied/, 'id'));
    await assert.rejects(denyQrLogin(store.db, request.id, { principalId: ids.cat }, clock), refusedWith('conflict', /was denied/, 'id'));
    assert.equal((await listAudit(store.db, { action: 'qr-login.deny', limit: 1 }))[0].actor, 'cat@qr.test');
  });

  test('a request expires after two minutes unapproved, and an approval expires if not collected', async () => {
    const late = await createQrLogin(store.db, DESKTOP, clock);
    t += QR_LOGIN_LIFETIME_MS - 1;
    assert.equal((await describeQrLogin(store.db, late.id, clock)).status, 'pending', 'just before the end');
    t += 1;
    assert.deepEqual(await pollQrLogin(store.db, late.id, late.secret, DESKTOP, clock), { status: 'expired' });
    await assert.rejects(approveQrLogin(store.db, late.id, late.code, { principalId: ids.ann }, clock), refusedWith('conflict', /has expired/, 'id'));
    await assert.rejects(denyQrLogin(store.db, late.id, { principalId: ids.ann }, clock), refusedWith('conflict', /has expired/, 'id'));

    const uncollected = await createQrLogin(store.db, DESKTOP, clock);
    await approveQrLogin(store.db, uncollected.id, uncollected.code, { principalId: ids.ann }, clock);
    t += QR_COLLECT_WINDOW_MS;
    assert.deepEqual(await pollQrLogin(store.db, uncollected.id, uncollected.secret, DESKTOP, clock), { status: 'expired' }, 'no session half a minute after the approval');
  });

  test('an approver disabled before the desktop collects gets it no session', async () => {
    const request = await createQrLogin(store.db, DESKTOP, clock);
    await approveQrLogin(store.db, request.id, request.code, { principalId: ids.cat }, clock);
    await updateUser(store.db, ids.cat, { disabled: true });
    assert.deepEqual(await pollQrLogin(store.db, request.id, request.secret, DESKTOP, clock), { status: 'denied' });
    await updateUser(store.db, ids.cat, { disabled: false });
  });

  test('one address may start a limited number of requests per two minutes; others are not affected', async () => {
    t += QR_LOGIN_LIFETIME_MS;
    const busy = { remoteAddress: '198.51.100.99' };
    const first = t;
    for (let i = 0; i < QR_MAX_PER_ADDRESS; i++) {
      await createQrLogin(store.db, busy, clock);
      t += 1_000;
    }
    await assert.rejects(createQrLogin(store.db, busy, clock), (err: unknown) => err instanceof QrLoginRateLimited && err.retryAfterMs === first + QR_LOGIN_LIFETIME_MS - t);
    await createQrLogin(store.db, DESKTOP, clock);
    t = first + QR_LOGIN_LIFETIME_MS;
    await createQrLogin(store.db, busy, clock);
  });
});
