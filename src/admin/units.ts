import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/org-units.ts';
import { ensureDefaultTenant } from '../directory/tenants.ts';
import { audit, isSuperAdmin, requireScope, requireSameTenant, requireTenantAdmin, type AdminContext } from './context.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

/**
 * Org units are tenant-wide structure, so changing them (and putting principals into them) is a
 * tenant admin's work; every administrator of the tenant may read the tree.
 */

export type OrgUnit = directory.OrgUnit;
export type OrgUnitNode = directory.OrgUnitNode;
export type UnitMember = directory.UnitMember;

/**
 * The tenant an org-unit, GAL or usage request is about: a super-admin may name any (default: the
 * default tenant, where everything created without a tenant lives); everyone else always gets
 * their own, and naming another is `not_found`.
 */
export async function tenantIdFor(ctx: AdminContext, ref?: TenantRef): Promise<number> {
  if (ref !== undefined) return Number((await tenantForAdmin(ctx, ref)).id);
  if (isSuperAdmin(ctx)) return Number((await ensureDefaultTenant(ctx.db)).id);
  if (ctx.actor.tenantId === null) throw new DirectoryError('not_found', 'no such tenant', 'tenant');
  return ctx.actor.tenantId;
}

function requireAdministrator(ctx: AdminContext, tenantId: number): void {
  requireSameTenant(ctx, tenantId, 'org unit', 'path');
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may read the org units', 'path');
}

async function forChange(ctx: AdminContext, tenant?: TenantRef): Promise<number> {
  requireScope(ctx, 'directory:write');
  const tenantId = await tenantIdFor(ctx, tenant);
  requireTenantAdmin(ctx, tenantId, 'org units', 'path');
  return tenantId;
}

export async function addUnit(ctx: AdminContext, input: { tenant?: TenantRef; path: string }): Promise<OrgUnit> {
  const tenantId = await forChange(ctx, input.tenant);
  const unit = await directory.createUnit(ctx.db, tenantId, input.path);
  await audit(ctx, 'unit.add', unit.path, {}, tenantId);
  return unit;
}

export async function listUnits(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<OrgUnitNode[]> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireAdministrator(ctx, tenantId);
  return directory.listUnits(ctx.db, tenantId);
}

export async function renameUnit(ctx: AdminContext, input: { tenant?: TenantRef; path: string; name: string }): Promise<OrgUnit> {
  const tenantId = await forChange(ctx, input.tenant);
  const before = await directory.findUnit(ctx.db, tenantId, input.path);
  const unit = await directory.renameUnit(ctx.db, tenantId, input.path, input.name);
  await audit(ctx, 'unit.rename', before.path, { to: unit.path }, tenantId);
  return unit;
}

/** Moves a unit with its subtree under `parent` (`/` for the top). */
export async function moveUnit(ctx: AdminContext, input: { tenant?: TenantRef; path: string; parent: string }): Promise<OrgUnit> {
  const tenantId = await forChange(ctx, input.tenant);
  const before = await directory.findUnit(ctx.db, tenantId, input.path);
  const unit = await directory.moveUnit(ctx.db, tenantId, input.path, input.parent);
  await audit(ctx, 'unit.move', before.path, { to: unit.path }, tenantId);
  return unit;
}

/** Removes an empty unit; with `rehomeTo` (a unit path, or `/` for none) a unit with members and sub-units too. */
export async function removeUnit(ctx: AdminContext, input: { tenant?: TenantRef; path: string; rehomeTo?: string }): Promise<{ removed: string; removedUnits: number; rehomedPrincipals: number }> {
  const tenantId = await forChange(ctx, input.tenant);
  const unit = await directory.findUnit(ctx.db, tenantId, input.path);
  const result = await directory.removeUnit(ctx.db, tenantId, input.path, { rehomeTo: input.rehomeTo });
  await audit(ctx, 'unit.remove', unit.path, { rehomeTo: input.rehomeTo ?? null, ...result }, tenantId);
  return { removed: unit.path, ...result };
}

/** Puts a user, shared mailbox, group or resource into a unit of its tenant (`/`: into none). */
export async function assignUnit(ctx: AdminContext, input: { principal: PrincipalRef; path: string }): Promise<{ address: string; unit: string | null }> {
  requireScope(ctx, 'directory:write');
  const principal = await principalForAdmin(ctx, input.principal, { kinds: ['user', 'shared', 'group', 'resource'], what: 'principal', anyDomain: true });
  requireTenantAdmin(ctx, principal.tenant_id, 'org units', 'path');
  const unit = await directory.assignUnit(ctx.db, principal.id, principal.tenant_id, input.path);
  const address = typeof input.principal === 'string' ? input.principal.trim().toLowerCase() : (principal.login ?? `#${principal.id}`);
  await audit(ctx, 'unit.assign', address, { unit: unit?.path ?? null }, principal.tenant_id);
  return { address, unit: unit?.path ?? null };
}

export async function unitMembers(ctx: AdminContext, input: { tenant?: TenantRef; path: string; includeSubunits?: boolean }): Promise<UnitMember[]> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireAdministrator(ctx, tenantId);
  return directory.unitMembers(ctx.db, tenantId, input.path, { includeSubunits: input.includeSubunits });
}
