import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/tenants.ts';
import type { Tenant } from '../store/schema.ts';
import { audit, isSuperAdmin, requireScope, requireSameTenant, requireSuperAdmin, type AdminContext } from './context.ts';

/** A tenant by name, or by id as the admin API's URLs give it. */
export type TenantRef = string | number;

export interface TenantInfo {
  id: number;
  name: string;
  displayName: string;
  /** 0 means unlimited. */
  limits: directory.TenantLimits;
  usage: directory.TenantUsage;
  createdAt: number;
}

/** A tenant the actor may see: any for a super-admin, otherwise only its own (others are `not_found`). */
export async function tenantForAdmin(ctx: AdminContext, ref: TenantRef): Promise<Tenant> {
  let tenant: Tenant;
  try {
    tenant = typeof ref === 'number' ? await directory.findTenantById(ctx.db, ref) : await directory.findTenant(ctx.db, ref.trim().toLowerCase());
  } catch (err) {
    if (err instanceof DirectoryError && err.code === 'not_found') throw new DirectoryError('not_found', `no such tenant: ${ref}`, 'tenant');
    throw err;
  }
  requireSameTenant(ctx, tenant.id, `tenant: ${ref}`, 'tenant');
  return tenant;
}

async function info(ctx: AdminContext, tenant: Tenant): Promise<TenantInfo> {
  return {
    id: Number(tenant.id),
    name: tenant.name,
    displayName: tenant.display_name,
    limits: { maxUsers: Number(tenant.max_users), maxDomains: Number(tenant.max_domains), maxStorage: Number(tenant.max_storage) },
    usage: await directory.tenantUsage(ctx.db, tenant.id),
    createdAt: Number(tenant.created_at),
  };
}

export interface TenantInput extends Partial<directory.TenantLimits> {
  displayName?: string;
}

export async function createTenant(ctx: AdminContext, input: TenantInput & { name: string }): Promise<TenantInfo> {
  requireScope(ctx, 'tenants:write');
  requireSuperAdmin(ctx);
  const tenant = await directory.createTenant(ctx.db, input);
  await audit(ctx, 'tenant.add', tenant.name, { displayName: tenant.display_name, maxUsers: tenant.max_users, maxDomains: tenant.max_domains, maxStorage: tenant.max_storage }, tenant.id);
  return info(ctx, tenant);
}

/** Every tenant for a super-admin; an organisation's own admins see only their own. */
export async function listTenants(ctx: AdminContext, _input: Record<string, never> = {}): Promise<TenantInfo[]> {
  requireScope(ctx, 'directory:read');
  if (!isSuperAdmin(ctx)) return ctx.actor.tenantId === null || ctx.actor.role === 'user' ? [] : [await getTenant(ctx, { tenant: ctx.actor.tenantId })];
  const tenants = await ctx.db.selectFrom('tenants').selectAll().orderBy('name').execute();
  return Promise.all(tenants.map((t) => info(ctx, t)));
}

/** A tenant with its limits and usage; tenant and domain admins may read their own. */
export async function getTenant(ctx: AdminContext, input: { tenant: TenantRef }): Promise<TenantInfo> {
  requireScope(ctx, 'directory:read');
  const tenant = await tenantForAdmin(ctx, input.tenant);
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may read the tenant', 'tenant');
  return info(ctx, tenant);
}

export async function updateTenant(ctx: AdminContext, input: TenantInput & { tenant: TenantRef }): Promise<TenantInfo> {
  requireScope(ctx, 'tenants:write');
  const tenant = await tenantForAdmin(ctx, input.tenant);
  requireSuperAdmin(ctx);
  const { tenant: _ref, ...changes } = input;
  const updated = await directory.updateTenant(ctx.db, tenant.id, changes);
  await audit(ctx, 'tenant.update', updated.name, changes, updated.id);
  return info(ctx, updated);
}

/** Removes a tenant; with `force`, everything in it too (domains, accounts and their mail). */
export async function removeTenant(ctx: AdminContext, input: { tenant: TenantRef; force?: boolean }): Promise<{ removed: string }> {
  requireScope(ctx, 'tenants:write');
  const tenant = await tenantForAdmin(ctx, input.tenant);
  requireSuperAdmin(ctx);
  await directory.removeTenant(ctx.db, tenant.id, { force: input.force });
  // The record outlives the tenant, so it is kept under no tenant.
  await audit(ctx, 'tenant.remove', tenant.name, { force: Boolean(input.force) }, null);
  return { removed: tenant.name };
}
