import type { Kysely } from 'kysely';

import type { Database, Tenant } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

export const DEFAULT_TENANT = 'default';

/** The organisation that owns everything created without naming a tenant (single-organisation sites). */
export async function ensureDefaultTenant(db: Kysely<Database>): Promise<Tenant> {
  const existing = await db.selectFrom('tenants').selectAll().where('name', '=', DEFAULT_TENANT).executeTakeFirst();
  if (existing) return existing;
  await db
    .insertInto('tenants')
    .values({ name: DEFAULT_TENANT, max_users: 0, max_domains: 0, max_storage: 0, created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.selectFrom('tenants').selectAll().where('name', '=', DEFAULT_TENANT).executeTakeFirstOrThrow();
}

export async function findTenant(db: Kysely<Database>, name: string): Promise<Tenant> {
  const tenant = await db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
  if (!tenant) throw new DirectoryError('not_found', `no such tenant: ${name}`, 'tenant');
  return tenant;
}
