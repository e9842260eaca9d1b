import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';

import type { Database } from '../store/schema.ts';
import type { Clock } from './account-lockout.ts';
import { DirectoryError } from './errors.ts';
import { deleteRecoveryCodes, regenerateRecoveryCodes, unusedRecoveryCodes } from './recovery-codes.ts';

/** RFC 6238 defaults, the only ones every authenticator app supports: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;
/** One step either side of now, for clocks that drift and codes typed near a step's end. */
const WINDOW = 1;

function totpFor(secret: string, label = '', issuer = 'Petrel'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/** The time step of a code, or null if it is not valid within the window around `now`. */
function matchingStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code.trim())) return null;
  const delta = totpFor(secret).validate({ token: code.trim(), timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

export interface TotpEnrolment {
  /** Base32, for typing in by hand. */
  secret: string;
  /** otpauth://totp/... for a QR code. */
  uri: string;
}

/**
 * Starts enrolment with a new 160-bit secret (RFC 4226 §4 recommends 160 bits). It is not a second
 * factor until confirmed with a first code, so a half-finished enrolment never locks anyone out.
 * Enrolling again before confirming replaces the secret; once confirmed, it must be disabled first.
 */
export async function enrolTotp(db: Kysely<Database>, principal: { id: number; login: string | null }, issuer = 'Petrel', now: Clock = Date.now): Promise<TotpEnrolment> {
  const existing = await db.selectFrom('totp').select('confirmed_at').where('principal_id', '=', principal.id).executeTakeFirst();
  if (existing && existing.confirmed_at !== null) throw new DirectoryError('conflict', 'two-factor authentication is already on; turn it off first', 'totp');
  const secret = new Secret({ size: 20 }).base32;
  await db.deleteFrom('totp').where('principal_id', '=', principal.id).execute();
  await db.insertInto('totp').values({ principal_id: principal.id, secret, created_at: now(), confirmed_at: null }).execute();
  return { secret, uri: totpFor(secret, principal.login ?? String(principal.id), issuer).toString() };
}

/** Turns TOTP on with the first code from the app; returns the recovery codes, shown once. */
export async function confirmTotp(db: Kysely<Database>, principalId: number, code: string, now: Clock = Date.now): Promise<string[]> {
  const row = await db.selectFrom('totp').selectAll().where('principal_id', '=', principalId).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', 'no two-factor enrolment in progress; enrol first', 'totp');
  if (row.confirmed_at !== null) throw new DirectoryError('conflict', 'two-factor authentication is already on', 'totp');
  const at = now();
  const step = matchingStep(row.secret, code, at);
  if (step === null) throw new DirectoryError('invalid', 'wrong code; check the authenticator app and the clock of the device', 'totp');
  await db.updateTable('totp').set({ confirmed_at: at, last_step: step }).where('principal_id', '=', principalId).execute();
  return regenerateRecoveryCodes(db, principalId);
}

/**
 * Checks a code of a confirmed enrolment. A code is accepted once: the step it belongs to must be
 * later than the last one accepted (RFC 6238 §5.2), and the update is conditional so that two
 * logins racing with the same code cannot both win.
 */
export async function verifyTotp(db: Kysely<Database>, principalId: number, code: string, now: Clock = Date.now): Promise<boolean> {
  const row = await db.selectFrom('totp').select(['secret', 'confirmed_at', 'last_step']).where('principal_id', '=', principalId).executeTakeFirst();
  if (!row || row.confirmed_at === null) return false;
  const step = matchingStep(row.secret, code, now());
  if (step === null || step <= Number(row.last_step)) return false;
  const result = await db.updateTable('totp').set({ last_step: step }).where('principal_id', '=', principalId).where('last_step', '<', step).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function hasTotp(db: Kysely<Database>, principalId: number): Promise<boolean> {
  const row = await db.selectFrom('totp').select('confirmed_at').where('principal_id', '=', principalId).executeTakeFirst();
  return row !== undefined && row.confirmed_at !== null;
}

export interface TotpStatus {
  enabled: boolean;
  /** ISO time TOTP was turned on, or null. */
  confirmedAt: string | null;
  /** An enrolment that was started but not confirmed. */
  pending: boolean;
  recoveryCodesLeft: number;
}

export async function totpStatus(db: Kysely<Database>, principalId: number): Promise<TotpStatus> {
  const row = await db.selectFrom('totp').select('confirmed_at').where('principal_id', '=', principalId).executeTakeFirst();
  const enabled = row !== undefined && row.confirmed_at !== null;
  return {
    enabled,
    confirmedAt: enabled ? new Date(Number(row.confirmed_at)).toISOString() : null,
    pending: row !== undefined && !enabled,
    recoveryCodesLeft: enabled ? await unusedRecoveryCodes(db, principalId) : 0,
  };
}

/** Turns TOTP off and forgets the secret and the recovery codes. True if there was anything to remove. */
export async function disableTotp(db: Kysely<Database>, principalId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('totp').where('principal_id', '=', principalId).executeTakeFirst();
    await deleteRecoveryCodes(trx, principalId);
    return Number(result.numDeletedRows) > 0;
  });
}
