// App passwords: generated, shown once, stored as Argon2id, each limited to chosen protocols
// (imap, pop3, smtp = submission, dav), usable with or without 2FA, never for the web login. With
// TOTP on, the main password is refused for mail protocols ('app password required'), and such a
// refusal of a right secret does not count towards the lockout. Both dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Secret, TOTP } from 'otpauth';

import { lockedUntil } from '../../src/directory/account-lockout.ts';
import { appPasswordProtocol, createAppPassword, listAppPasswords, MAX_APP_PASSWORDS, parseProtocols, revokeAppPassword } from '../../src/directory/app-passwords.ts';
import { listAudit } from '../../src/directory/audit.ts';
import { authenticate } from '../../src/directory/authenticate.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { verifyPassword } from '../../src/directory/passwords.ts';
import { confirmTotp, enrolTotp } from '../../src/directory/totp.ts';
import { addUser } from '../../src/directory/users.ts';
import { loginForSession } from '../../src/directory/web-sessions.ts';
import type { Store } from '../../src/store/database.ts';
import type { Principal } from '../../src/store/schema.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const RIGHT = 'correct horse battery';

forEachDialect('app passwords', (fixture) => {
  let store: Store;
  let ivy: Principal;
  let jon: Principal;
  const as = (address: string, password: string, protocol: string) => authenticate(store.db, address, password, { protocol, remoteAddress: '198.51.100.4' });
  const lastReason = async () => (await listAudit(store.db, { limit: 1 }))[0];

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'apps.test');
    ivy = await addUser(store.db, { address: 'ivy@apps.test', password: RIGHT });
    jon = await addUser(store.db, { address: 'jon@apps.test', password: RIGHT });
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('protocol names: the listeners\' names map onto the ones an app password knows', () => {
    assert.deepEqual(['imap', 'pop3', 'submission', 'caldav', 'jmap', 'web', 'api', undefined].map(appPasswordProtocol), ['imap', 'pop3', 'smtp', 'dav', 'jmap', null, null, null]);
    assert.deepEqual(parseProtocols('smtp, IMAP imap'), ['imap', 'smtp']);
    assert.throws(() => parseProtocols('imap,ftp'), (err: unknown) => err instanceof DirectoryError && err.field === 'protocols');
    assert.throws(() => parseProtocols(''), (err: unknown) => err instanceof DirectoryError && err.field === 'protocols');
  });

  test('created once in clear, listed without the secret, stored as Argon2id', async () => {
    const created = await createAppPassword(store.db, ivy.id, 'phone', 'imap,smtp');
    assert.match(created.password, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    assert.deepEqual(created.protocols, ['imap', 'smtp']);
    const [listed] = await listAppPasswords(store.db, ivy.id);
    assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'protocols']);
    assert.equal(listed.lastUsedAt, null);
    const row = await store.db.selectFrom('app_passwords').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.match(row.hash, /^\$argon2id\$/);
    assert.ok(await verifyPassword(row.hash, created.password));
    assert.deepEqual(await listAppPasswords(store.db, jon.id), [], 'one user\'s list holds only their own');
  });

  test('without 2FA: the main password and a protocol-limited app password both work', async () => {
    const app = await createAppPassword(store.db, jon.id, 'laptop', ['imap']);
    assert.ok(await as('jon@apps.test', RIGHT, 'imap'));
    assert.ok(await as('jon@apps.test', app.password, 'imap'));
    assert.equal((await lastReason()).details.via, 'app password');
    assert.notEqual((await listAppPasswords(store.db, jon.id))[0].lastUsedAt, null, 'use is stamped');
    assert.equal(await as('jon@apps.test', app.password, 'submission'), null);
    assert.equal((await lastReason()).details.reason, 'app password not allowed for this protocol');
    assert.equal(await as('jon@apps.test', app.password, 'pop3'), null);
    await assert.rejects(loginForSession(store.db, 'jon@apps.test', app.password, undefined, { protocol: 'web' }), /wrong credentials/, 'never for the web');
    await revokeAppPassword(store.db, jon.id, app.id);
    assert.equal(await as('jon@apps.test', app.password, 'imap'), null, 'revoked');
    await assert.rejects(revokeAppPassword(store.db, ivy.id, app.id), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found');
  });

  test('with TOTP on, mail protocols need an app password and the main password is refused without locking', async () => {
    const { secret } = await enrolTotp(store.db, ivy);
    await confirmTotp(store.db, ivy.id, new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    const imapOnly = await createAppPassword(store.db, ivy.id, 'mail app', 'imap');
    for (let i = 0; i < 6; i++) assert.equal(await as('ivy@apps.test', RIGHT, 'imap'), null);
    assert.equal((await lastReason()).details.reason, 'app password required');
    assert.equal(await lockedUntil(store.db, ivy.id), null, 'a right password refused for 2FA is no guess');
    assert.equal(await as('ivy@apps.test', RIGHT, 'submission'), null);
    assert.equal(await as('ivy@apps.test', RIGHT, 'web'), null, 'authenticate() alone never lets a 2FA user in with the password');
    assert.equal((await lastReason()).details.reason, 'second factor required');
    assert.ok(await as('ivy@apps.test', imapOnly.password, 'imap'));
    assert.equal(await as('ivy@apps.test', imapOnly.password, 'submission'), null);
    assert.equal(await as('ivy@apps.test', 'a wrong guess', 'imap'), null);
    assert.equal((await lastReason()).details.reason, 'wrong password');
  });

  test('at most MAX_APP_PASSWORDS per user', async () => {
    const existing = (await listAppPasswords(store.db, jon.id)).length;
    for (let i = existing; i < MAX_APP_PASSWORDS; i++) await store.db.insertInto('app_passwords').values({ principal_id: jon.id, name: `n${i}`, hash: 'x', protocols: 'imap', created_at: 0, last_used_at: null }).execute();
    await assert.rejects(createAppPassword(store.db, jon.id, 'one more', 'imap'), (err: unknown) => err instanceof DirectoryError && err.code === 'limit');
  });
});
