import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { principalRow } from './principal-row.ts';
import { hashPassword } from './passwords.ts';
import { ensureDefaultTenant } from './tenants.ts';

export const ADMIN_LOGIN = 'admin';

/**
 * On first start there is nobody to administer the server, so one super-admin is made with a
 * random password, returned once for printing and never stored in clear.
 */
export async function ensureAdminAccount(db: Kysely<Database>): Promise<{ login: string; password: string } | null> {
  const existing = await db.selectFrom('principals').select('id').where('role', '=', 'super-admin').executeTakeFirst();
  if (existing) return null;
  const tenant = await ensureDefaultTenant(db);
  const password = randomBytes(12).toString('base64url');
  await db
    .insertInto('principals')
    .values(principalRow({ tenant_id: tenant.id, kind: 'user', login: ADMIN_LOGIN, display_name: 'Administrator', password_hash: await hashPassword(password), role: 'super-admin' }))
    .execute();
  return { login: ADMIN_LOGIN, password };
}
