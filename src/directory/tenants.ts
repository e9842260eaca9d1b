import type { Kysely } from 'kysely';

import { releaseAccountBlobs } from '../mail/account-data.ts';
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

export async function findTenantById(db: Kysely<Database>, id: number): Promise<Tenant> {
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!tenant) throw new DirectoryError('not_found', `no such tenant: #${id}`, 'tenant');
  return tenant;
}

/**
 * Serialises the creates of one tenant for the rest of the transaction, so that two concurrent
 * creates cannot both see "n - 1 of n used" and both succeed. An update that changes nothing
 * takes the row lock on PostgreSQL; SQLite has one writer at a time anyway.
 */
export async function lockTenant(trx: Kysely<Database>, tenantId: number): Promise<Tenant> {
  await trx.updateTable('tenants').set((eb) => ({ max_users: eb.ref('max_users') })).where('id', '=', tenantId).execute();
  return findTenantById(trx, tenantId);
}

/** Plan limits: 0 means unlimited. Storage is enforced at delivery, users and domains here. */
export interface TenantLimits {
  maxUsers: number;
  maxDomains: number;
  maxStorage: number;
}

export interface TenantUsage {
  /** Principals of kind 'user': what max_users counts (shared mailboxes, groups and resources do not). */
  users: number;
  /** Every domain, alias domains included: what max_domains counts. */
  domains: number;
  storageBytes: number;
}

/** Tenant names are used on the command line and in URLs: short, lower-case, no spaces. */
const TENANT_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;

export function normalizeTenantName(input: string): string {
  const name = input.trim().toLowerCase();
  if (!TENANT_NAME.test(name)) throw new DirectoryError('invalid', `not a valid tenant name: ${input} (use letters, digits, '.', '_' and '-', at most 63)`, 'name');
  return name;
}

function checkLimit(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new DirectoryError('invalid', `${field} must be a whole number, 0 for unlimited`, field);
}

export async function createTenant(db: Kysely<Database>, input: { name: string; displayName?: string } & Partial<TenantLimits>): Promise<Tenant> {
  const name = normalizeTenantName(input.name);
  checkLimit(input.maxUsers, 'maxUsers');
  checkLimit(input.maxDomains, 'maxDomains');
  checkLimit(input.maxStorage, 'maxStorage');
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('tenants').select('id').where('name', '=', name).executeTakeFirst()) {
      throw new DirectoryError('conflict', `tenant ${name} already exists`, 'name');
    }
    return trx
      .insertInto('tenants')
      .values({ name, display_name: input.displayName ?? '', max_users: input.maxUsers ?? 0, max_domains: input.maxDomains ?? 0, max_storage: input.maxStorage ?? 0, created_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Lowering a limit below what is used is allowed: nothing is removed, only new creates are refused. */
export async function updateTenant(db: Kysely<Database>, id: number, changes: { displayName?: string } & Partial<TenantLimits>): Promise<Tenant> {
  checkLimit(changes.maxUsers, 'maxUsers');
  checkLimit(changes.maxDomains, 'maxDomains');
  checkLimit(changes.maxStorage, 'maxStorage');
  const set: { display_name?: string; max_users?: number; max_domains?: number; max_storage?: number } = {};
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.maxUsers !== undefined) set.max_users = changes.maxUsers;
  if (changes.maxDomains !== undefined) set.max_domains = changes.maxDomains;
  if (changes.maxStorage !== undefined) set.max_storage = changes.maxStorage;
  if (Object.keys(set).length > 0) await db.updateTable('tenants').set(set).where('id', '=', id).execute();
  return findTenantById(db, id);
}

export async function tenantUsage(db: Kysely<Database>, tenantId: number): Promise<TenantUsage> {
  const users = await db
    .selectFrom('principals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'user')
    .executeTakeFirstOrThrow();
  const storage = await db.selectFrom('principals').select((eb) => eb.fn.sum<number>('used_bytes').as('bytes')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  const domains = await db.selectFrom('domains').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return { users: Number(users.n), domains: Number(domains.n), storageBytes: Number(storage.bytes ?? 0) };
}

/**
 * Deletes a tenant. One that still has domains or accounts is refused unless forced, and the
 * default tenant never goes (everything created without naming a tenant lands there).
 */
export async function removeTenant(db: Kysely<Database>, id: number, options: { force?: boolean } = {}): Promise<Tenant> {
  const tenant = await findTenantById(db, id);
  if (tenant.name === DEFAULT_TENANT) throw new DirectoryError('invalid', 'the default tenant cannot be removed', 'tenant');
  const usage = await tenantUsage(db, tenant.id);
  const { n: principals } = await db.selectFrom('principals').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
  if ((usage.domains > 0 || Number(principals) > 0) && !options.force) {
    throw new DirectoryError('conflict', `tenant ${tenant.name} still has ${usage.domains} domain(s) and ${principals} account(s); remove them first or use --force`, 'tenant');
  }
  await db.transaction().execute(async (trx) => {
    const accounts = await trx.selectFrom('principals').select('id').where('tenant_id', '=', tenant.id).execute();
    // Message bytes may be shared with other tenants' copies: release, never destroy.
    for (const { id: accountId } of accounts) await releaseAccountBlobs(trx, accountId);
    // Alias domains point at their targets without a cascade: the aliases go first.
    await trx.deleteFrom('domains').where('tenant_id', '=', tenant.id).where('alias_of_domain_id', 'is not', null).execute();
    await trx.deleteFrom('domains').where('tenant_id', '=', tenant.id).execute();
    await trx.deleteFrom('principals').where('tenant_id', '=', tenant.id).execute();
    await trx.deleteFrom('tenants').where('id', '=', tenant.id).execute();
  });
  return tenant;
}
