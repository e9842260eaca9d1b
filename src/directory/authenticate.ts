import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { lockedUntil, recordLoginFailure, recordLoginSuccess, type Clock } from './account-lockout.ts';
import { recordAudit, type LoginContext } from './audit.ts';
import { verifyAgainstNothing, verifyPassword } from './passwords.ts';

export type { LoginContext } from './audit.ts';

/**
 * Checks a login and password. Users log in with any of their addresses; the result is the
 * principal, or null for any failure (unknown login, wrong password, disabled) so that a caller
 * cannot leak which one it was. Every attempt goes to the audit log with the name tried (never
 * the password), the reason for a failure (for the admin only), and where it came from.
 *
 * Wrong passwords count towards the account's lockout (account-lockout.ts); while locked, even the
 * right password fails, with the same null, so a guesser cannot tell a lock from a wrong guess.
 * `now` is for tests.
 */
export async function authenticate(db: Kysely<Database>, login: string, password: string, context?: LoginContext, now: Clock = Date.now): Promise<Principal | null> {
  const name = login.trim().toLowerCase();
  const principal =
    (await db.selectFrom('principals').selectAll().where('login', '=', name).executeTakeFirst()) ??
    (await db
      .selectFrom('addresses as a')
      .innerJoin('principals as p', 'p.id', 'a.principal_id')
      .selectAll('p')
      .where('a.address', '=', name)
      .executeTakeFirst());
  const audit = (success: boolean, reason?: string, extra: Record<string, unknown> = {}) =>
    recordAudit(db, {
      at: now(),
      tenantId: principal?.tenant_id ?? null,
      actor: principal?.login ?? name,
      action: success ? 'login.success' : 'login.failure',
      target: name,
      protocol: context?.protocol ?? null,
      remoteAddress: context?.remoteAddress ?? null,
      details: reason ? { reason, ...extra } : {},
    });
  if (!principal || !principal.password_hash) {
    await verifyAgainstNothing(password);
    await audit(false, principal ? 'no password set' : 'unknown login');
    return null;
  }
  // Verified even while locked, so that a locked account answers as slowly as any other.
  const ok = await verifyPassword(principal.password_hash, password);
  const locked = await lockedUntil(db, principal.id, now);
  if (locked !== null) {
    await audit(false, 'locked', { lockedUntil: new Date(locked).toISOString() });
    return null;
  }
  if (!ok) {
    const until = await recordLoginFailure(db, principal.id, now);
    await audit(false, 'wrong password', until === null ? {} : { lockedUntil: new Date(until).toISOString() });
    return null;
  }
  if (principal.disabled) {
    await audit(false, 'disabled');
    return null;
  }
  await recordLoginSuccess(db, principal.id);
  await audit(true);
  return principal;
}
