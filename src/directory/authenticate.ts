import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { verifyAgainstNothing, verifyPassword } from './passwords.ts';

/**
 * Checks a login and password. Users log in with any of their addresses; the result is the
 * principal, or null for any failure (unknown login, wrong password, disabled) so that a caller
 * cannot leak which one it was.
 */
export async function authenticate(db: Kysely<Database>, login: string, password: string): Promise<Principal | null> {
  const name = login.trim().toLowerCase();
  const principal =
    (await db.selectFrom('principals').selectAll().where('login', '=', name).executeTakeFirst()) ??
    (await db
      .selectFrom('addresses as a')
      .innerJoin('principals as p', 'p.id', 'a.principal_id')
      .selectAll('p')
      .where('a.address', '=', name)
      .executeTakeFirst());
  if (!principal || !principal.password_hash) return verifyAgainstNothing(password).then(() => null);
  const ok = await verifyPassword(principal.password_hash, password);
  if (!ok || principal.disabled) return null;
  return principal;
}
