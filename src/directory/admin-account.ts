import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import type { Database, PrincipalRole } from '../store/schema.ts';
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

export interface AdminSummary {
  id: number;
  login: string;
  displayName: string;
  role: PrincipalRole;
  tenantId: number;
  tenant: string;
  /** For a domain admin: the domains it administers. */
  domains: string[];
}

/**
 * Gives a principal an administrator role. A domain admin's domains are added to those it has;
 * any other role administers more than domains, so its domain list is dropped.
 */
export async function grantRole(db: Kysely<Database>, principalId: number, role: Exclude<PrincipalRole, 'user'>, domainIds: readonly number[] = []): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('principals').set({ role }).where('id', '=', principalId).execute();
    if (role !== 'domain-admin') {
      await trx.deleteFrom('admin_domains').where('principal_id', '=', principalId).execute();
      return;
    }
    for (const domainId of new Set(domainIds)) {
      await trx.insertInto('admin_domains').values({ principal_id: principalId, domain_id: domainId }).onConflict((oc) => oc.columns(['principal_id', 'domain_id']).doNothing()).execute();
    }
  });
}

/** Takes domains from a domain admin, or (no domains given, or none left) its role altogether. */
export async function revokeRole(db: Kysely<Database>, principalId: number, domainIds?: readonly number[]): Promise<PrincipalRole> {
  return db.transaction().execute(async (trx) => {
    if (domainIds) {
      if (domainIds.length > 0) await trx.deleteFrom('admin_domains').where('principal_id', '=', principalId).where('domain_id', 'in', domainIds).execute();
      const left = await trx.selectFrom('admin_domains').select('domain_id').where('principal_id', '=', principalId).executeTakeFirst();
      if (left) return 'domain-admin';
    }
    await trx.deleteFrom('admin_domains').where('principal_id', '=', principalId).execute();
    await trx.updateTable('principals').set({ role: 'user' }).where('id', '=', principalId).execute();
    return 'user';
  });
}

export async function countSuperAdmins(db: Kysely<Database>): Promise<number> {
  const { n } = await db.selectFrom('principals').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'super-admin').executeTakeFirstOrThrow();
  return Number(n);
}

/** Every administrator, or one tenant's; super-admins only when asked for (they administer no one tenant). */
export async function listAdmins(db: Kysely<Database>, filter: { tenantId?: number | null; includeSuperAdmins: boolean }): Promise<AdminSummary[]> {
  let query = db
    .selectFrom('principals as p')
    .innerJoin('tenants as t', 't.id', 'p.tenant_id')
    .select(['p.id', 'p.login', 'p.display_name', 'p.role', 'p.tenant_id', 't.name as tenant'])
    .where('p.role', '!=', 'user');
  if (!filter.includeSuperAdmins) query = query.where('p.role', '!=', 'super-admin');
  if (filter.tenantId !== undefined && filter.tenantId !== null) query = query.where('p.tenant_id', '=', filter.tenantId);
  const rows = await query.orderBy('p.login').execute();
  const domains =
    rows.length === 0
      ? []
      : await db
          .selectFrom('admin_domains as ad')
          .innerJoin('domains as d', 'd.id', 'ad.domain_id')
          .select(['ad.principal_id', 'd.name'])
          .where('ad.principal_id', 'in', rows.map((r) => r.id))
          .orderBy('d.name')
          .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    login: r.login ?? `#${r.id}`,
    displayName: r.display_name,
    role: r.role,
    tenantId: Number(r.tenant_id),
    tenant: r.tenant,
    domains: domains.filter((d) => Number(d.principal_id) === Number(r.id)).map((d) => d.name),
  }));
}
