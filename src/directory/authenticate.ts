import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { recordAudit, type LoginContext } from './audit.ts';
import { verifyAgainstNothing, verifyPassword } from './passwords.ts';

export type { LoginContext } from './audit.ts';

/**
 * Checks a login and password. Users log in with any of their addresses; the result is the
 * principal, or null for any failure (unknown login, wrong password, disabled) so that a caller
 * cannot leak which one it was. Every attempt goes to the audit log with the name tried (never
 * the password), the reason for a failure (for the admin only), and where it came from.
 */
export async function authenticate(db: Kysely<Database>, login: string, password: string, context?: LoginContext): Promise<Principal | null> {
  const name = login.trim().toLowerCase();
  const principal =
    (await db.selectFrom('principals').selectAll().where('login', '=', name).executeTakeFirst()) ??
    (await db
      .selectFrom('addresses as a')
      .innerJoin('principals as p', 'p.id', 'a.principal_id')
      .selectAll('p')
      .where('a.address', '=', name)
      .executeTakeFirst());
  const audit = (success: boolean, reason?: string) =>
    recordAudit(db, {
      tenantId: principal?.tenant_id ?? null,
      actor: principal?.login ?? name,
      action: success ? 'login.success' : 'login.failure',
      target: name,
      protocol: context?.protocol ?? null,
      remoteAddress: context?.remoteAddress ?? null,
      details: reason ? { reason } : {},
    });
  if (!principal || !principal.password_hash) {
    await verifyAgainstNothing(password);
    await audit(false, principal ? 'no password set' : 'unknown login');
    return null;
  }
  const ok = await verifyPassword(principal.password_hash, password);
  if (!ok || principal.disabled) {
    await audit(false, ok ? 'disabled' : 'wrong password');
    return null;
  }
  await audit(true);
  return principal;
}
