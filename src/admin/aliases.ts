import * as directory from '../directory/aliases.ts';
import { DirectoryError } from '../directory/errors.ts';
import { normalizeAddress } from '../directory/names.ts';
import { audit, requireDomainAdmin, requireScope, tenantScope, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';
import { principalForAdmin } from './users.ts';

export interface AliasSummary {
  alias: string;
  target: string;
}

/** Another address for a user of the same organisation; both must be at domains the actor administers. */
export async function addAlias(ctx: AdminContext, input: { alias: string; target: string }): Promise<AliasSummary> {
  requireScope(ctx, 'directory:write');
  const { address, domain: domainName } = normalizeAddress(input.alias);
  const domain = await domainForAdmin(ctx, domainName, 'alias');
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'alias');
  const target = await principalForAdmin(ctx, input.target, { field: 'target', kinds: ['user', 'group', 'shared'], what: 'user' });
  if (target.tenant_id !== domain.tenant_id) throw new DirectoryError('invalid', `${address} and ${input.target} belong to different organisations`, 'target');
  await directory.addAlias(ctx.db, address, target.login ?? input.target);
  await audit(ctx, 'alias.add', address, { target: target.login }, domain.tenant_id);
  return { alias: address, target: target.login ?? '' };
}

export async function removeAlias(ctx: AdminContext, input: { alias: string }): Promise<{ removed: string }> {
  requireScope(ctx, 'directory:write');
  const { address, domain: domainName } = normalizeAddress(input.alias);
  const domain = await domainForAdmin(ctx, domainName, 'alias');
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'alias');
  await directory.removeAlias(ctx.db, address);
  await audit(ctx, 'alias.remove', address, {}, domain.tenant_id);
  return { removed: address };
}

/** Aliases at the domains the actor administers (or at one of them). */
export async function listAliases(ctx: AdminContext, input: { domain?: string } = {}): Promise<AliasSummary[]> {
  requireScope(ctx, 'directory:read');
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may list aliases');
  const domainIds = input.domain !== undefined ? [Number((await domainForAdmin(ctx, input.domain)).id)] : ctx.actor.role === 'domain-admin' ? ctx.actor.domainIds : undefined;
  return directory.listAliases(ctx.db, { tenantId: tenantScope(ctx, null), domainIds });
}
