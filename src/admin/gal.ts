import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/gal.ts';
import { requireScope, audit, type AdminContext } from './context.ts';
import type { TenantRef } from './tenants.ts';
import { tenantIdFor } from './units.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

/**
 * The global address list: every actor, plain users included, may search their own
 * organisation's (a super-admin names one); administrators of a principal set its GAL attributes.
 */

export type GalEntry = directory.GalEntry;
export type GalPage = directory.GalPage;

export async function searchGal(ctx: AdminContext, input: directory.GalPageRequest & { tenant?: TenantRef } = {}): Promise<GalPage> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  return directory.searchGal(ctx.db, tenantId, { limit: input.limit, after: input.after, query: input.query });
}

export async function setGalAttributes(ctx: AdminContext, input: directory.GalAttributes & { principal: PrincipalRef }): Promise<GalEntry & { hidden: boolean }> {
  requireScope(ctx, 'directory:write');
  const principal = await principalForAdmin(ctx, input.principal, { kinds: ['user', 'shared', 'group', 'resource'], what: 'principal' });
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may change address list entries', 'address');
  const { principal: _ref, ...attributes } = input;
  await directory.setGalAttributes(ctx.db, principal.id, attributes);
  const entry = await directory.galEntryOf(ctx.db, principal.id);
  await audit(ctx, 'gal.set', entry.address, { ...attributes }, principal.tenant_id);
  return entry;
}
