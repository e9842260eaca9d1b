import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { isBreachedPassword } from './breached-passwords.ts';
import { DirectoryError } from './errors.ts';

/** A tenant's rules for passwords people choose (app passwords are generated and not subject to them). */
export interface PasswordPolicy {
  minLength: number;
  /** Days after which a password must be changed; 0 means never (NIST SP 800-63B advises against forced expiry). */
  maxAgeDays: number;
  /** Refuse passwords on the breached-password list (security.breached_passwords_file). */
  breachedCheck: boolean;
}

/** NIST SP 800-63B §5.1.1.2: at least 8 characters; a tenant may ask for more, never fewer. */
export const MIN_POLICY_LENGTH = 8;
const MAX_POLICY_LENGTH = 128;
const MAX_AGE_DAYS = 3650;
export const DAY_MS = 86_400_000;

export async function getPasswordPolicy(db: Kysely<Database>, tenantId: number): Promise<PasswordPolicy> {
  const row = await db
    .selectFrom('tenants')
    .select(['password_min_length', 'password_max_age_days', 'password_breached_check'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', 'no such tenant', 'tenant');
  return { minLength: Number(row.password_min_length), maxAgeDays: Number(row.password_max_age_days), breachedCheck: Number(row.password_breached_check) === 1 };
}

export async function setPasswordPolicy(db: Kysely<Database>, tenantId: number, changes: Partial<PasswordPolicy>): Promise<PasswordPolicy> {
  const { minLength, maxAgeDays, breachedCheck } = changes;
  if (minLength !== undefined && (!Number.isInteger(minLength) || minLength < MIN_POLICY_LENGTH || minLength > MAX_POLICY_LENGTH)) {
    throw new DirectoryError('invalid', `minimum length must be a whole number from ${MIN_POLICY_LENGTH} to ${MAX_POLICY_LENGTH}`, 'minLength');
  }
  if (maxAgeDays !== undefined && (!Number.isInteger(maxAgeDays) || maxAgeDays < 0 || maxAgeDays > MAX_AGE_DAYS)) {
    throw new DirectoryError('invalid', `maximum age must be a whole number of days from 0 (never) to ${MAX_AGE_DAYS}`, 'maxAgeDays');
  }
  await getPasswordPolicy(db, tenantId);
  const set: { password_min_length?: number; password_max_age_days?: number; password_breached_check?: number } = {};
  if (minLength !== undefined) set.password_min_length = minLength;
  if (maxAgeDays !== undefined) set.password_max_age_days = maxAgeDays;
  if (breachedCheck !== undefined) set.password_breached_check = breachedCheck ? 1 : 0;
  if (Object.keys(set).length > 0) await db.updateTable('tenants').set(set).where('id', '=', tenantId).execute();
  return getPasswordPolicy(db, tenantId);
}

/**
 * Refuses a new password that breaks the tenant's policy: too short, the login itself or its local
 * part, or on the breached-password list. Throws DirectoryError('invalid', ..., 'password').
 */
export async function checkPasswordPolicy(db: Kysely<Database>, tenantId: number, password: string, options: { login?: string | null } = {}): Promise<void> {
  const policy = await getPasswordPolicy(db, tenantId);
  // Length in characters as people count them, not UTF-16 units.
  if ([...password].length < policy.minLength) throw new DirectoryError('invalid', `password must be at least ${policy.minLength} characters`, 'password');
  if (options.login) {
    const login = options.login.trim().toLowerCase();
    const lower = password.toLowerCase();
    if (lower === login || lower === login.split('@')[0]) throw new DirectoryError('invalid', 'password must not be the login name', 'password');
  }
  if (policy.breachedCheck && (await isBreachedPassword(password))) {
    throw new DirectoryError('invalid', 'this password is known from data breaches; choose another', 'password');
  }
}

/** Whether a password set at `changedAt` has outlived the policy's maximum age at `now`. */
export function passwordExpired(maxAgeDays: number, changedAt: number, now: number): boolean {
  return maxAgeDays > 0 && now - changedAt > maxAgeDays * DAY_MS;
}
