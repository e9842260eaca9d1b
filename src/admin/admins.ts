import * as directory from '../directory/admin-account.ts';
import { DirectoryError } from '../directory/errors.ts';
import type { PrincipalRole } from '../store/schema.ts';
import { audit, isSuperAdmin, requireScope, requireSuperAdmin, requireTenantAdmin, tenantScope, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

export type AdminSummary = directory.AdminSummary;
export type AdminGrantRole = Exclude<PrincipalRole, 'user'>;

const GRANTABLE: readonly AdminGrantRole[] = ['super-admin', 'tenant-admin', 'domain-admin'];

export function parseAdminRole(value: string): AdminGrantRole {
  const role = GRANTABLE.find((r) => r === value);
  if (!role) throw new DirectoryError('invalid', `role must be one of ${GRANTABLE.join(', ')}, not ${value}`, 'role');
  return role;
}

/** Administrators the actor may see: of its tenant (super-admins only to a super-admin). */
export async function listAdmins(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<AdminSummary[]> {
  requireScope(ctx, 'directory:read');
  const requested = input.tenant !== undefined ? Number((await tenantForAdmin(ctx, input.tenant)).id) : null;
  if (ctx.actor.role === 'user' || ctx.actor.role === 'domain-admin') throw new DirectoryError('forbidden', 'only a tenant admin may list administrators');
  return directory.listAdmins(ctx.db, { tenantId: tenantScope(ctx, requested), includeSuperAdmins: isSuperAdmin(ctx) });
}

/** Domain ids for a domain-admin grant or revoke: real domains of the user's own tenant. */
async function adminDomainIds(ctx: AdminContext, tenantId: number, names: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const domain = await domainForAdmin(ctx, name, 'domains');
    if (domain.tenant_id !== tenantId) throw new DirectoryError('invalid', `${domain.name} belongs to another organisation than the user`, 'domains');
    if (domain.alias_of_domain_id !== null) throw new DirectoryError('invalid', `${domain.name} is an alias domain; grant its target, which covers it`, 'domains');
    ids.push(Number(domain.id));
  }
  return ids;
}

/**
 * Delegation: a super-admin makes super-admins and tenant admins; a tenant admin makes domain
 * admins of its own users for its own domains. A user of another tenant does not exist here.
 */
export async function grantAdmin(ctx: AdminContext, input: { user: PrincipalRef; role: AdminGrantRole; domains?: string[] }): Promise<AdminSummary> {
  requireScope(ctx, 'directory:write');
  const role = parseAdminRole(input.role);
  const user = await principalForAdmin(ctx, input.user, { field: 'user', kinds: ['user'], what: 'user', anyDomain: true });
  // The domains are looked up first: one of another tenant must answer not_found, whoever asks.
  const domainIds = role === 'domain-admin' ? await adminDomainIds(ctx, user.tenant_id, input.domains ?? []) : [];
  requireTenantAdmin(ctx, user.tenant_id, 'administrators', 'role');
  if (role !== 'domain-admin' || user.role === 'tenant-admin' || user.role === 'super-admin') requireSuperAdmin(ctx);
  if (role === 'domain-admin' && domainIds.length === 0) throw new DirectoryError('invalid', 'a domain admin needs at least one domain', 'domains');
  await directory.grantRole(ctx.db, user.id, role, domainIds);
  await audit(ctx, 'admin.grant', user.login ?? String(user.id), { role, domains: input.domains ?? [] }, user.tenant_id);
  return adminSummary(ctx, user.id);
}

/**
 * Takes a role back; for a domain admin, with `domains`, only those domains (the role goes with
 * the last one). The last super-admin stays, so the server is never left without one.
 */
export async function revokeAdmin(ctx: AdminContext, input: { user: PrincipalRef; domains?: string[] }): Promise<{ login: string; role: PrincipalRole }> {
  requireScope(ctx, 'directory:write');
  const user = await principalForAdmin(ctx, input.user, { field: 'user', kinds: ['user'], what: 'user', anyDomain: true });
  const domainIds = input.domains && user.role === 'domain-admin' ? await adminDomainIds(ctx, user.tenant_id, input.domains) : undefined;
  requireTenantAdmin(ctx, user.tenant_id, 'administrators', 'role');
  if (user.role === 'user') throw new DirectoryError('invalid', `${user.login} is not an administrator`, 'user');
  if (user.role !== 'domain-admin') requireSuperAdmin(ctx);
  if (user.role === 'super-admin' && (await directory.countSuperAdmins(ctx.db)) <= 1) throw new DirectoryError('invalid', `${user.login} is the last super-admin`, 'user');
  const role = await directory.revokeRole(ctx.db, user.id, domainIds);
  await audit(ctx, 'admin.revoke', user.login ?? String(user.id), { previousRole: user.role, domains: input.domains ?? [] }, user.tenant_id);
  return { login: user.login ?? '', role };
}

async function adminSummary(ctx: AdminContext, principalId: number): Promise<AdminSummary> {
  const principal = await ctx.db.selectFrom('principals').select('tenant_id').where('id', '=', principalId).executeTakeFirstOrThrow();
  const [summary] = (await directory.listAdmins(ctx.db, { tenantId: principal.tenant_id, includeSuperAdmins: true })).filter((a) => a.id === Number(principalId));
  if (!summary) throw new DirectoryError('not_found', `no such administrator: #${principalId}`, 'user');
  return summary;
}
