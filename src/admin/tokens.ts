import { createApiToken, deleteApiToken, describeApiToken, findApiToken, findTokenOwner, findTokenOwnerById, listApiTokens, type ApiTokenListing, type TokenOwner } from '../directory/api-tokens.ts';
import { DirectoryError } from '../directory/errors.ts';
import { audit, isSuperAdmin, requireDomainAdmin, requireScope, requireTenantAdmin, SCOPES, tenantScope, type AdminContext, type Scope } from './context.ts';

/**
 * Admin API tokens: everyone manages their own; administrators may list and revoke the tokens of
 * the principals they administer (a leaked token is revoked by whoever notices). Making a token
 * for someone else is impersonation, so only a super-admin (the CLI is one) may.
 */

export type TokenInfo = ApiTokenListing;

export interface CreateTokenInput {
  /** Whose token; default the actor. */
  login?: string;
  name: string;
  scopes: readonly string[];
  /** ISO 8601 date or time; absent or null never expires. */
  expiresAt?: string | null;
}

function parseScopes(ctx: AdminContext, requested: readonly string[]): Scope[] {
  if (requested.length === 0) throw new DirectoryError('invalid', `a token needs at least one scope (${SCOPES.join(', ')})`, 'scopes');
  const scopes: Scope[] = [];
  for (const scope of requested) {
    const known = SCOPES.find((s) => s === scope);
    if (!known) throw new DirectoryError('invalid', `unknown scope ${scope} (known: ${SCOPES.join(', ')})`, 'scopes');
    // A token made with a token can never carry more than the one it was made with.
    if (ctx.actor.scopes && !ctx.actor.scopes.has(known)) throw new DirectoryError('forbidden', `this token lacks the ${known} scope, so it cannot grant it`, 'scopes');
    scopes.push(known);
  }
  return scopes;
}

function parseExpiry(text: string | null | undefined): number | null {
  if (text === undefined || text === null) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new DirectoryError('invalid', `not a date or time: ${text} (use e.g. 2027-01-01 or 2027-01-01T12:00:00Z)`, 'expiresAt');
  return ms;
}

/** Administration of someone else's tokens: the same checks as for any other change to that principal. */
function requireAdministers(ctx: AdminContext, owner: TokenOwner, what: string, field?: string): void {
  if (owner.domain) requireDomainAdmin(ctx, owner.domain, what, field);
  else requireTenantAdmin(ctx, owner.principal.tenant_id, what, field);
}

function isOwn(ctx: AdminContext, principalId: number): boolean {
  return ctx.actor.principalId === principalId;
}

/** Returns the token with its secret: the only time the secret is ever seen. */
export async function createToken(ctx: AdminContext, input: CreateTokenInput): Promise<{ token: string; info: TokenInfo }> {
  const scopes = parseScopes(ctx, input.scopes);
  const expiresAt = parseExpiry(input.expiresAt);
  let owner: TokenOwner;
  if (input.login === undefined) {
    if (ctx.actor.principalId === null) throw new DirectoryError('invalid', 'name the user the token is for', 'login');
    const self = await findTokenOwnerById(ctx.db, ctx.actor.principalId);
    if (!self) throw new DirectoryError('not_found', 'no such user', 'login');
    owner = self;
  } else {
    owner = await findTokenOwner(ctx.db, input.login);
    if (!isOwn(ctx, owner.principal.id)) {
      requireAdministers(ctx, owner, 'user', 'login');
      if (!isSuperAdmin(ctx)) throw new DirectoryError('forbidden', 'only a super-admin may make a token for someone else', 'login');
    }
  }
  const made = await createApiToken(ctx.db, { principalId: owner.principal.id, name: input.name, scopes, expiresAt });
  const info = describeApiToken(made.row, owner.principal);
  await audit(ctx, 'token.create', `${owner.principal.login ?? owner.principal.id}:${info.name}`, { id: info.id, scopes, expiresAt: info.expiresAt }, owner.principal.tenant_id);
  return { token: made.token, info };
}

export interface ListTokensInput {
  /** Whose tokens; default the actor's own. */
  login?: string;
  /** Every token the actor may see: its organisation's (tenant admins), or all (super-admin). */
  all?: boolean;
}

export async function listTokens(ctx: AdminContext, input: ListTokensInput = {}): Promise<TokenInfo[]> {
  if (input.all) {
    requireScope(ctx, 'directory:read');
    if (!isSuperAdmin(ctx) && ctx.actor.role !== 'tenant-admin') throw new DirectoryError('forbidden', 'only a tenant admin may list every token of the organisation', 'all');
    return listApiTokens(ctx.db, { tenantId: tenantScope(ctx, null) });
  }
  if (input.login !== undefined) {
    const owner = await findTokenOwner(ctx.db, input.login);
    if (!isOwn(ctx, owner.principal.id)) {
      requireScope(ctx, 'directory:read');
      requireAdministers(ctx, owner, 'user', 'login');
    }
    return listApiTokens(ctx.db, { principalIds: [owner.principal.id] });
  }
  if (ctx.actor.principalId === null) return listApiTokens(ctx.db, { tenantId: tenantScope(ctx, null) });
  return listApiTokens(ctx.db, { principalIds: [ctx.actor.principalId] });
}

/** Revokes at once: the next request with the token is refused. */
export async function revokeToken(ctx: AdminContext, id: number): Promise<void> {
  const row = await findApiToken(ctx.db, id);
  if (!row) throw new DirectoryError('not_found', `no such token: ${id}`, 'id');
  const owner = await findTokenOwnerById(ctx.db, row.principal_id);
  if (!owner) throw new DirectoryError('not_found', `no such token: ${id}`, 'id');
  if (!isOwn(ctx, owner.principal.id)) {
    requireScope(ctx, 'directory:write');
    requireAdministers(ctx, owner, 'token', 'id');
  }
  await deleteApiToken(ctx.db, id);
  await audit(ctx, 'token.revoke', `${owner.principal.login ?? owner.principal.id}:${row.name}`, { id }, owner.principal.tenant_id);
}
