import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/quota-usage.ts';
import { audit, requireDomainAdmin, requireScope, requireTenantAdmin, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';
import type { TenantRef } from './tenants.ts';
import { tenantIdFor } from './units.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

/**
 * Quotas and storage usage. An account's usage is read by the administrators of its domain and
 * by the account itself; a unit's and the tenant's by tenant admins; quotas are set by the
 * administrators of the account's (or the domain's) domain.
 */

export type AccountUsage = directory.AccountUsage;
export type UnitUsage = directory.UnitUsage;
export type TenantStorage = directory.TenantStorage;

const ACCOUNT_KINDS = ['user', 'shared'] as const;

export async function accountUsage(ctx: AdminContext, input: { principal: PrincipalRef }): Promise<AccountUsage> {
  requireScope(ctx, 'directory:read');
  const principal = await principalForAdmin(ctx, input.principal, { kinds: ACCOUNT_KINDS, what: 'mailbox' });
  if (ctx.actor.role === 'user' && ctx.actor.principalId !== principal.id) throw new DirectoryError('forbidden', 'only an administrator may read the usage of other accounts', 'address');
  return directory.accountUsage(ctx.db, principal.id);
}

export async function unitUsage(ctx: AdminContext, input: { tenant?: TenantRef; path: string }): Promise<UnitUsage> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireTenantAdmin(ctx, tenantId, 'org unit usage', 'path');
  return directory.unitUsage(ctx.db, tenantId, input.path);
}

export async function tenantUsage(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<TenantStorage> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireTenantAdmin(ctx, tenantId, 'tenant usage', 'tenant');
  return directory.tenantStorage(ctx.db, tenantId);
}

/** Sets an account's quota in bytes, 0 for unlimited. */
export async function setAccountQuota(ctx: AdminContext, input: { principal: PrincipalRef; quotaBytes: number }): Promise<AccountUsage> {
  requireScope(ctx, 'directory:write');
  const principal = await principalForAdmin(ctx, input.principal, { kinds: ACCOUNT_KINDS, what: 'mailbox' });
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may set quotas', 'address');
  await directory.setAccountQuota(ctx.db, principal.id, input.quotaBytes);
  const usage = await directory.accountUsage(ctx.db, principal.id);
  await audit(ctx, 'quota.set', usage.address, { quotaBytes: input.quotaBytes }, principal.tenant_id);
  return usage;
}

/** The quota new users of a domain start with when none is given; 0 for unlimited. */
export async function setDomainDefaultQuota(ctx: AdminContext, input: { domain: string; quotaBytes: number }): Promise<{ domain: string; defaultQuotaBytes: number }> {
  requireScope(ctx, 'directory:write');
  const domain = await domainForAdmin(ctx, input.domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  if (domain.alias_of_domain_id !== null) throw new DirectoryError('invalid', `${domain.name} is an alias domain; its users live at the domain it is an alias of`, 'domain');
  await directory.setDomainDefaultQuota(ctx.db, domain.id, input.quotaBytes);
  await audit(ctx, 'quota.domain-default', domain.name, { quotaBytes: input.quotaBytes }, domain.tenant_id);
  return { domain: domain.name, defaultQuotaBytes: input.quotaBytes };
}
