// Per-tenant password policy: minimum length, not the login, the breached-password list from a
// local file (plain lines and HIBP `SHA1:count` lines, loaded once), and expiry after max_age_days
// with the audit reason 'password expired'. Applied by addUser and setPassword. Both dialects.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { listAudit } from '../../src/directory/audit.ts';
import { authenticate } from '../../src/directory/authenticate.ts';
import { isBreachedPassword, useBreachedPasswordsFile } from '../../src/directory/breached-passwords.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { checkPasswordPolicy, getPasswordPolicy, setPasswordPolicy } from '../../src/directory/password-policy.ts';
import { findTenant } from '../../src/directory/tenants.ts';
import { addUser, setPassword } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex').toUpperCase();
const DAY = 86_400_000;

const invalid = (field: string, message: RegExp) => (err: unknown) => err instanceof DirectoryError && err.code === 'invalid' && err.field === field && message.test(err.message);

forEachDialect('password policy', (fixture) => {
  let store: Store;
  let tenantId: number;
  const dir = mkdtempSync(join(tmpdir(), 'petrel-breached-'));
  const list = join(dir, 'breached.txt');

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'policy.test');
    tenantId = (await findTenant(store.db, 'default')).id;
    // Plain passwords, an HIBP line in upper case, one in lower case without a count, CRLF endings.
    writeFileSync(list, ['password123', `${sha1('letmein-please')}:52311`, sha1('qwertyuiop!').toLowerCase(), '', 'trailing-crlf-pass'].join('\r\n'));
    useBreachedPasswordsFile(list);
  });

  after(async () => {
    useBreachedPasswordsFile(null);
    rmSync(dir, { recursive: true, force: true });
    await store.close();
    await fixture().cleanup();
  });

  test('the default policy is 8 characters, no expiry, breached check on; limits are checked', async () => {
    assert.deepEqual(await getPasswordPolicy(store.db, tenantId), { minLength: 8, maxAgeDays: 0, breachedCheck: true });
    await assert.rejects(setPasswordPolicy(store.db, tenantId, { minLength: 6 }), invalid('minLength', /8/));
    await assert.rejects(setPasswordPolicy(store.db, tenantId, { maxAgeDays: -1 }), invalid('maxAgeDays', /days/));
    await assert.rejects(setPasswordPolicy(store.db, 999_999, { minLength: 10 }), (err: unknown) => err instanceof DirectoryError && err.code === 'not_found');
  });

  test('the breached list matches plain and SHA-1 lines', async () => {
    for (const p of ['password123', 'letmein-please', 'qwertyuiop!', 'trailing-crlf-pass']) assert.equal(await isBreachedPassword(p), true, p);
    assert.equal(await isBreachedPassword('Password123'), false);
    assert.equal(await isBreachedPassword(''), false);
  });

  test('addUser and setPassword apply the tenant policy', async () => {
    await assert.rejects(addUser(store.db, { address: 'gil@policy.test', password: 'short' }), invalid('password', /at least 8/));
    await assert.rejects(addUser(store.db, { address: 'gil@policy.test', password: 'letmein-please' }), invalid('password', /breaches/));
    await assert.rejects(addUser(store.db, { address: 'gilbertson@policy.test', password: 'GILBERTSON' }), invalid('password', /login/));
    await addUser(store.db, { address: 'gil@policy.test', password: 'a long passphrase' });

    await setPasswordPolicy(store.db, tenantId, { minLength: 12 });
    await assert.rejects(setPassword(store.db, 'gil@policy.test', 'elevenchars'), invalid('password', /at least 12/));
    await setPassword(store.db, 'gil@policy.test', 'twelve chars');
    await assert.rejects(checkPasswordPolicy(store.db, tenantId, 'gil@policy.test', { login: 'gil@policy.test' }), invalid('password', /login/));

    await setPasswordPolicy(store.db, tenantId, { breachedCheck: false, minLength: 8 });
    await checkPasswordPolicy(store.db, tenantId, 'letmein-please');
    await setPasswordPolicy(store.db, tenantId, { breachedCheck: true });
  });

  test('a password older than max_age_days is refused and audited as expired; a new one works', async () => {
    await addUser(store.db, { address: 'hal@policy.test', password: 'first password' });
    const setAt = (await store.db.selectFrom('principals').select('password_changed_at').where('login', '=', 'hal@policy.test').executeTakeFirstOrThrow()).password_changed_at;
    assert.ok(Number(setAt) > 0, 'addUser records when the password was set');
    const login = (password: string, at: number) => authenticate(store.db, 'hal@policy.test', password, { protocol: 'imap' }, () => at);
    const later = Number(setAt) + 31 * DAY;
    assert.ok(await login('first password', later), 'no expiry by default');
    await setPasswordPolicy(store.db, tenantId, { maxAgeDays: 30 });
    assert.ok(await login('first password', Number(setAt) + 29 * DAY));
    assert.equal(await login('first password', later), null);
    const [failure] = await listAudit(store.db, { action: 'login.failure', limit: 1 });
    assert.equal(failure.details.reason, 'password expired');
    await setPassword(store.db, 'hal@policy.test', 'second password');
    assert.ok(await login('second password', Date.now() + DAY));
    await setPasswordPolicy(store.db, tenantId, { maxAgeDays: 0 });
  });
});
