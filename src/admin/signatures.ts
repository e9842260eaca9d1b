import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/signature-templates.ts';
import { audit, requireScope, requireTenantAdmin, type AdminContext } from './context.ts';
import type { TenantRef } from './tenants.ts';
import { tenantIdFor } from './units.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

/**
 * The organisation-wide signature: tenant admins (and super-admins) read and set their tenant's
 * template; every signed-in user reads their own signature as the template renders it for them,
 * which is what compose offers and what the settings page shows.
 */

export type SignatureTemplate = directory.SignatureTemplate;

export async function getSignatureTemplate(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<SignatureTemplate> {
  requireScope(ctx, 'directory:read');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireTenantAdmin(ctx, tenantId, 'signature template');
  return directory.getSignatureTemplate(ctx.db, tenantId);
}

export async function setSignatureTemplate(ctx: AdminContext, input: SignatureTemplate & { tenant?: TenantRef }): Promise<SignatureTemplate> {
  requireScope(ctx, 'directory:write');
  const tenantId = await tenantIdFor(ctx, input.tenant);
  requireTenantAdmin(ctx, tenantId, 'signature template');
  const stored = await directory.setSignatureTemplate(ctx.db, tenantId, { text: input.text, html: input.html });
  const tenant = await ctx.db.selectFrom('tenants').select('name').where('id', '=', tenantId).executeTakeFirstOrThrow();
  await audit(ctx, 'signature.set', tenant.name, { textLength: stored.text.length, htmlLength: stored.html.length }, tenantId);
  return stored;
}

/** The signed-in user's own signature. */
export async function mySignature(ctx: AdminContext): Promise<SignatureTemplate> {
  requireScope(ctx, 'directory:read');
  if (ctx.actor.principalId === null) throw new DirectoryError('forbidden', 'only a signed-in user has a signature of their own');
  const principal = await ctx.db.selectFrom('principals').select(['id', 'tenant_id']).where('id', '=', ctx.actor.principalId).executeTakeFirst();
  if (!principal) throw new DirectoryError('not_found', 'no such user');
  return directory.renderSignatureFor(ctx.db, Number(principal.tenant_id), Number(principal.id));
}

/** A user's signature as the template renders it, for an administrator checking the template. */
export async function previewSignature(ctx: AdminContext, input: { principal: PrincipalRef }): Promise<SignatureTemplate> {
  requireScope(ctx, 'directory:read');
  const principal = await principalForAdmin(ctx, input.principal, { kinds: ['user', 'shared'], what: 'user' });
  requireTenantAdmin(ctx, Number(principal.tenant_id), 'signature template');
  return directory.renderSignatureFor(ctx.db, Number(principal.tenant_id), Number(principal.id));
}
