import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';
import { findUnit } from './org-units.ts';

/**
 * Storage used per account, per org unit (its whole subtree) and per tenant. An account's usage is
 * `principals.used_bytes`, which delivery charges and expunge refunds in the same transaction as
 * the messages themselves; a unit's and a tenant's are sums of it, so they never drift.
 */

export interface AccountUsage {
  id: number;
  address: string;
  kind: string;
  usedBytes: number;
  /** 0 means unlimited. */
  quotaBytes: number;
}

export interface UnitUsage {
  path: string;
  /** Principals in the unit and every unit below it. */
  principals: number;
  usedBytes: number;
  /** The same figures for each direct sub-unit (each covering its own subtree). */
  children: { path: string; principals: number; usedBytes: number }[];
}

export interface TenantStorage {
  tenantId: number;
  principals: number;
  usedBytes: number;
  /** The tenant's storage limit, 0 for none; delivery refuses mail that would go past it. */
  maxStorageBytes: number;
}

export async function accountUsage(db: Kysely<Database>, principalId: number): Promise<AccountUsage> {
  const row = await db
    .selectFrom('principals as p')
    .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.id', 'p.kind', 'p.login', 'p.used_bytes', 'p.quota_bytes', 'a.address'])
    .where('p.id', '=', principalId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', 'no such account', 'address');
  return { id: Number(row.id), address: row.address ?? row.login ?? `#${row.id}`, kind: row.kind, usedBytes: Number(row.used_bytes), quotaBytes: Number(row.quota_bytes) };
}

/** Usage of a unit's subtree, and of each direct sub-unit's, from one grouped sum over the tenant. */
export async function unitUsage(db: Kysely<Database>, tenantId: number, path: string): Promise<UnitUsage> {
  const unit = await findUnit(db, tenantId, path);
  const units = await db.selectFrom('org_units').select(['id', 'parent_id', 'path']).where('tenant_id', '=', tenantId).execute();
  const sums = await db
    .selectFrom('principals')
    .select(['org_unit_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('used_bytes').as('bytes')])
    .where('tenant_id', '=', tenantId)
    .where('org_unit_id', 'is not', null)
    .groupBy('org_unit_id')
    .execute();
  const own = new Map(sums.map((s) => [Number(s.org_unit_id), { principals: Number(s.n), usedBytes: Number(s.bytes ?? 0) }]));
  const children = new Map<number, number[]>();
  for (const u of units) {
    if (u.parent_id === null) continue;
    const list = children.get(Number(u.parent_id)) ?? [];
    list.push(Number(u.id));
    children.set(Number(u.parent_id), list);
  }
  // Units form a tree (moveUnit refuses cycles); `seen` guards a hand-edited database anyway.
  const seen = new Set<number>();
  const total = (id: number): { principals: number; usedBytes: number } => {
    if (seen.has(id)) return { principals: 0, usedBytes: 0 };
    seen.add(id);
    const sum = { ...(own.get(id) ?? { principals: 0, usedBytes: 0 }) };
    for (const child of children.get(id) ?? []) {
      const t = total(child);
      sum.principals += t.principals;
      sum.usedBytes += t.usedBytes;
    }
    return sum;
  };
  const pathOf = new Map(units.map((u) => [Number(u.id), u.path]));
  const direct = (children.get(unit.id) ?? []).map((id) => ({ path: pathOf.get(id) ?? '', ...total(id) })).sort((a, b) => a.path.localeCompare(b.path));
  const mine = own.get(unit.id) ?? { principals: 0, usedBytes: 0 };
  return {
    path: unit.path,
    principals: mine.principals + direct.reduce((n, c) => n + c.principals, 0),
    usedBytes: mine.usedBytes + direct.reduce((n, c) => n + c.usedBytes, 0),
    children: direct,
  };
}

export async function tenantStorage(db: Kysely<Database>, tenantId: number): Promise<TenantStorage> {
  const tenant = await db.selectFrom('tenants').select(['id', 'max_storage']).where('id', '=', tenantId).executeTakeFirst();
  if (!tenant) throw new DirectoryError('not_found', 'no such tenant', 'tenant');
  const sum = await db
    .selectFrom('principals')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('used_bytes').as('bytes')])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { tenantId, principals: Number(sum.n), usedBytes: Number(sum.bytes ?? 0), maxStorageBytes: Number(tenant.max_storage) };
}

export function checkQuotaBytes(bytes: number, field = 'quotaBytes'): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new DirectoryError('invalid', 'a quota is a whole number of bytes, 0 for unlimited', field);
  return bytes;
}

/** The quota a new user of the domain gets when none is given (see addUser); 0 for unlimited. */
export async function setDomainDefaultQuota(db: Kysely<Database>, domainId: number, bytes: number): Promise<void> {
  await db.updateTable('domains').set({ default_quota_bytes: checkQuotaBytes(bytes) }).where('id', '=', domainId).execute();
}

export async function setAccountQuota(db: Kysely<Database>, principalId: number, bytes: number): Promise<void> {
  await db.updateTable('principals').set({ quota_bytes: checkQuotaBytes(bytes) }).where('id', '=', principalId).execute();
}
