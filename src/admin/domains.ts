import type { PetrelConfig } from '../config/config.ts';
import { activateDkimKey as activateKey, publishedDkimKeys, retireDkimKey as retireKey, rotateDkimKey as rotateKey, type DkimKeyInfo } from '../directory/dkim-keys.ts';
import { dnsRecordsFor, type DnsRecord } from '../directory/dns-records.ts';
import * as directory from '../directory/domains.ts';
import { DirectoryError } from '../directory/errors.ts';
import { findTenantById } from '../directory/tenants.ts';
import type { Domain } from '../store/schema.ts';
import { audit, requireDomainAdmin, requireScope, requireSameTenant, requireTenantAdmin, tenantScope, type AdminContext } from './context.ts';
import { principalForAdmin } from './users.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';

export type DomainSummary = directory.DomainSummary;

export interface DomainInfo extends DomainSummary {
  /** Every published DKIM key (an alias domain has none: it never sends). */
  dkimKeys: DkimKeyInfo[];
}

/**
 * The domain named, if the actor may see it: another tenant's domain, or for a domain admin one
 * it does not administer, is `not_found` exactly like one that does not exist.
 */
export async function domainForAdmin(ctx: AdminContext, name: string, field = 'domain'): Promise<Domain> {
  let domain: Domain;
  try {
    domain = await directory.findDomain(ctx.db, name);
  } catch (err) {
    if (err instanceof DirectoryError && err.code === 'not_found') throw new DirectoryError('not_found', err.message, field);
    throw err;
  }
  requireSameTenant(ctx, domain.tenant_id, `domain: ${domain.name}`, field);
  if (ctx.actor.role === 'domain-admin') requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, field);
  return domain;
}

async function summary(ctx: AdminContext, domain: Domain): Promise<DomainSummary> {
  const [row] = (await directory.listDomains(ctx.db, { tenantId: domain.tenant_id })).filter((d) => d.id === domain.id);
  if (!row) throw new DirectoryError('not_found', `no such domain: ${domain.name}`, 'domain');
  return row;
}

async function info(ctx: AdminContext, domain: Domain): Promise<DomainInfo> {
  return { ...(await summary(ctx, domain)), dkimKeys: domain.alias_of_domain_id === null ? await publishedDkimKeys(ctx.db, domain.id) : [] };
}

/** Adds a domain to a tenant: a super-admin names any tenant (default: the default one), a tenant admin always gets its own. */
export async function addDomain(ctx: AdminContext, input: { name: string; tenant?: TenantRef }): Promise<DomainInfo> {
  requireScope(ctx, 'directory:write');
  const tenant = input.tenant !== undefined ? await tenantForAdmin(ctx, input.tenant) : ctx.actor.tenantId !== null ? await findTenantById(ctx.db, ctx.actor.tenantId) : null;
  // Null only for a super-admin naming no tenant: the directory then uses the default one.
  if (tenant) requireTenantAdmin(ctx, tenant.id, 'tenant', 'tenant');
  const added = await directory.addDomain(ctx.db, input.name, { tenant: tenant?.name });
  await audit(ctx, 'domain.add', added.name, tenant ? { tenant: tenant.name } : {}, added.tenant_id);
  return info(ctx, added);
}

/** The domains the actor administers: all (or one tenant's) for a super-admin, its own tenant's, or a domain admin's own and their aliases. */
export async function listDomains(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<DomainSummary[]> {
  requireScope(ctx, 'directory:read');
  const requested = input.tenant !== undefined ? (await tenantForAdmin(ctx, input.tenant)).id : null;
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may list domains');
  return directory.listDomains(ctx.db, { tenantId: tenantScope(ctx, requested), domainIds: ctx.actor.role === 'domain-admin' ? ctx.actor.domainIds : undefined });
}

export async function getDomain(ctx: AdminContext, input: { domain: string }): Promise<DomainInfo> {
  requireScope(ctx, 'directory:read');
  const domain = await domainForAdmin(ctx, input.domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  return info(ctx, domain);
}

export async function removeDomain(ctx: AdminContext, input: { domain: string; force?: boolean }): Promise<{ removed: string }> {
  requireScope(ctx, 'directory:write');
  const domain = await domainForAdmin(ctx, input.domain);
  requireTenantAdmin(ctx, domain.tenant_id, `domain: ${domain.name}`, 'domain');
  await directory.removeDomain(ctx.db, domain.name, { force: input.force });
  await audit(ctx, 'domain.remove', domain.name, { force: Boolean(input.force) }, domain.tenant_id);
  return { removed: domain.name };
}

/** Where mail to unknown local parts goes: a user or group of the same organisation, or nowhere (null). */
export async function setCatchAll(ctx: AdminContext, input: { domain: string; target: string | null }): Promise<DomainSummary> {
  requireScope(ctx, 'directory:write');
  const domain = await domainForAdmin(ctx, input.domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  const target = input.target === null ? null : await principalForAdmin(ctx, input.target, { field: 'target' });
  // Even a super-admin cannot send one organisation's mail to another's mailbox.
  if (target && target.tenant_id !== domain.tenant_id) throw new DirectoryError('invalid', `${input.target} belongs to another organisation than ${domain.name}`, 'target');
  await directory.setCatchAll(ctx.db, domain.name, target?.id ?? null);
  await audit(ctx, 'domain.catchall', domain.name, { target: target?.login ?? input.target }, domain.tenant_id);
  return summary(ctx, domain);
}

/** An alias domain counts against max_domains and belongs to its target's tenant. */
export async function addDomainAlias(ctx: AdminContext, input: { alias: string; target: string }): Promise<DomainSummary> {
  requireScope(ctx, 'directory:write');
  const target = await domainForAdmin(ctx, input.target, 'target');
  requireTenantAdmin(ctx, target.tenant_id, `domain: ${target.name}`, 'target');
  const added = await directory.addDomainAlias(ctx.db, input.alias, target.name);
  await audit(ctx, 'domain.alias-add', added.name, { target: target.name }, added.tenant_id);
  return summary(ctx, added);
}

export async function removeDomainAlias(ctx: AdminContext, input: { alias: string }): Promise<{ removed: string }> {
  requireScope(ctx, 'directory:write');
  const alias = await domainForAdmin(ctx, input.alias);
  requireTenantAdmin(ctx, alias.tenant_id, `domain: ${alias.name}`, 'domain');
  const removed = await directory.removeDomainAlias(ctx.db, alias.name);
  await audit(ctx, 'domain.alias-remove', removed.name, {}, removed.tenant_id);
  return { removed: removed.name };
}

/** What to publish in DNS for the domain, with the host name and ports of this server. */
export async function domainDnsRecords(ctx: AdminContext, input: { domain: string; server: Pick<PetrelConfig, 'hostname' | 'ports'> }): Promise<DnsRecord[]> {
  requireScope(ctx, 'directory:read');
  const domain = await domainForAdmin(ctx, input.domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  return dnsRecordsFor(ctx.db, domain.name, input.server);
}

/** A domain that signs mail: an alias domain has no keys of its own. */
async function signingDomain(ctx: AdminContext, name: string): Promise<Domain> {
  const domain = await domainForAdmin(ctx, name);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  if (domain.alias_of_domain_id !== null) throw new DirectoryError('invalid', `${domain.name} is an alias domain; its mail is signed as its target`, 'domain');
  return domain;
}

export async function listDkimKeys(ctx: AdminContext, input: { domain: string }): Promise<DkimKeyInfo[]> {
  requireScope(ctx, 'directory:read');
  const domain = await domainForAdmin(ctx, input.domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'domain');
  return domain.alias_of_domain_id === null ? publishedDkimKeys(ctx.db, domain.id) : [];
}

/**
 * Starts a DKIM key rotation: the new key is published at once and signs after
 * `activateAfterMs` (default 48 hours, see directory/dkim-keys.ts) or, with null, only when
 * activated; the old key is then published for 7 more days and deleted.
 */
export async function rotateDkimKey(ctx: AdminContext, input: { domain: string; activateAfterMs?: number | null }): Promise<DkimKeyInfo> {
  requireScope(ctx, 'directory:write');
  const domain = await signingDomain(ctx, input.domain);
  const key = await rotateKey(ctx.db, domain.id, { activateAfterMs: input.activateAfterMs });
  await audit(ctx, 'domain.dkim-rotate', domain.name, { selector: key.selector, activateAt: key.activateAt }, domain.tenant_id);
  return key;
}

export async function activateDkimKey(ctx: AdminContext, input: { domain: string; selector: string }): Promise<DkimKeyInfo[]> {
  requireScope(ctx, 'directory:write');
  const domain = await signingDomain(ctx, input.domain);
  await activateKey(ctx.db, domain.id, input.selector);
  await audit(ctx, 'domain.dkim-activate', domain.name, { selector: input.selector }, domain.tenant_id);
  return publishedDkimKeys(ctx.db, domain.id);
}

export async function retireDkimKey(ctx: AdminContext, input: { domain: string; selector: string }): Promise<DkimKeyInfo[]> {
  requireScope(ctx, 'directory:write');
  const domain = await signingDomain(ctx, input.domain);
  await retireKey(ctx.db, domain.id, input.selector);
  await audit(ctx, 'domain.dkim-retire', domain.name, { selector: input.selector }, domain.tenant_id);
  return publishedDkimKeys(ctx.db, domain.id);
}
