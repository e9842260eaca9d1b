// TOTP (RFC 6238) as a second factor: enrolment gives a secret and an otpauth:// URI and is not a
// factor until confirmed; a code is accepted within one step either side of now and only once;
// recovery codes are ten, single use, stored hashed; disabling forgets everything. Codes are
// computed by otpauth in the test at chosen timestamps. Both dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Secret, TOTP, URI } from 'otpauth';

import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { RECOVERY_CODE_COUNT, regenerateRecoveryCodes, useRecoveryCode } from '../../src/directory/recovery-codes.ts';
import { confirmTotp, disableTotp, enrolTotp, hasTotp, totpStatus, verifyTotp } from '../../src/directory/totp.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import type { Principal } from '../../src/store/schema.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const T0 = Date.parse('2026-11-23T12:00:00Z');

function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

forEachDialect('TOTP and recovery codes', (fixture) => {
  let store: Store;
  let eve: Principal;
  let fay: Principal;
  let secret: string;
  let recovery: string[];

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'totp.test');
    eve = await addUser(store.db, { address: 'eve@totp.test', password: 'correct horse battery' });
    fay = await addUser(store.db, { address: 'fay@totp.test', password: 'correct horse battery' });
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('enrolment gives a 160-bit secret and an otpauth URI, and is no factor until confirmed', async () => {
    const first = await enrolTotp(store.db, eve, 'Example Mail', () => T0);
    const parsed = URI.parse(first.uri);
    assert.ok(parsed instanceof TOTP);
    assert.equal(parsed.issuer, 'Example Mail');
    assert.equal(parsed.label, 'eve@totp.test');
    assert.equal(parsed.secret.base32, first.secret);
    assert.equal(Secret.fromBase32(first.secret).bytes.length, 20);
    assert.equal(await hasTotp(store.db, eve.id), false);
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(first.secret, T0), () => T0), false, 'an unconfirmed secret is no factor');
    assert.deepEqual(await totpStatus(store.db, eve.id), { enabled: false, confirmedAt: null, pending: true, recoveryCodesLeft: 0 });

    ({ secret } = await enrolTotp(store.db, eve, 'Petrel', () => T0));
    assert.notEqual(secret, first.secret, 'enrolling again replaces the secret');
    await assert.rejects(confirmTotp(store.db, eve.id, codeAt(first.secret, T0), () => T0), (err: unknown) => err instanceof DirectoryError && err.field === 'totp');
    recovery = await confirmTotp(store.db, eve.id, codeAt(secret, T0), () => T0);
    assert.equal(recovery.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(recovery).size, RECOVERY_CODE_COUNT);
    assert.equal(await hasTotp(store.db, eve.id), true);
    await assert.rejects(enrolTotp(store.db, eve, 'Petrel', () => T0), (err: unknown) => err instanceof DirectoryError && err.code === 'conflict');
  });

  test('a code is valid one step either side of now, and each step only once', async () => {
    const at = T0 + 10 * 30_000;
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at - 60_000), () => at), false, 'two steps old');
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at + 60_000), () => at), false, 'two steps ahead');
    assert.equal(await verifyTotp(store.db, eve.id, 'abcdef', () => at), false);
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at - 30_000), () => at), true, 'one step old');
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at - 30_000), () => at), false, 'the same code again');
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at), () => at), true, 'the current step');
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at), () => at + 20_000), false, 'the same step, later');
    assert.equal(await verifyTotp(store.db, eve.id, codeAt(secret, at + 30_000), () => at), true, 'one step ahead');
    assert.equal(await verifyTotp(store.db, fay.id, codeAt(secret, at + 90_000), () => at + 90_000), false, 'another user\'s secret');
  });

  test('recovery codes work once each, are stored hashed, and regenerating voids the old set', async () => {
    const rows = await store.db.selectFrom('recovery_codes').select('code_hash').where('principal_id', '=', eve.id).execute();
    assert.equal(rows.length, RECOVERY_CODE_COUNT);
    for (const code of recovery) assert.ok(!rows.some((r) => r.code_hash.includes(code.replace('-', ''))));
    assert.equal(await useRecoveryCode(store.db, eve.id, recovery[3]), true);
    assert.equal(await useRecoveryCode(store.db, eve.id, recovery[3]), false, 'single use');
    assert.equal(await useRecoveryCode(store.db, fay.id, recovery[4]), false, 'not another user\'s');
    assert.equal(await useRecoveryCode(store.db, eve.id, ` ${recovery[4].replace('-', '').toUpperCase()} `), true, 'typed without the dash, upper case');
    assert.equal((await totpStatus(store.db, eve.id)).recoveryCodesLeft, RECOVERY_CODE_COUNT - 2);
    const fresh = await regenerateRecoveryCodes(store.db, eve.id);
    assert.equal(await useRecoveryCode(store.db, eve.id, recovery[5]), false, 'old set gone');
    assert.equal(await useRecoveryCode(store.db, eve.id, fresh[0]), true);
  });

  test('disabling forgets the secret and the recovery codes', async () => {
    assert.equal(await disableTotp(store.db, eve.id), true);
    assert.equal(await hasTotp(store.db, eve.id), false);
    assert.equal((await store.db.selectFrom('recovery_codes').selectAll().where('principal_id', '=', eve.id).execute()).length, 0);
    assert.equal(await disableTotp(store.db, eve.id), false);
  });
});
