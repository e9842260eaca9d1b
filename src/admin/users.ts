import { lockedUntil, unlockAccount } from '../directory/account-lockout.ts';
import { DirectoryError } from '../directory/errors.ts';
import { normalizeAddress } from '../directory/names.ts';
import * as directory from '../directory/users.ts';
import type { Principal, PrincipalKind } from '../store/schema.ts';
import { audit, requireDomainAdmin, requireScope, requireSameTenant, tenantScope, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';

/** A principal by any of its addresses, or by id as the admin API's URLs give it. */
export type PrincipalRef = string | number;

export type UserSummary = directory.UserSummary;

export interface UserInfo extends UserSummary {
  tenantId: number;
  tenant: string;
  role: Principal['role'];
  createdAt: number;
  /** Milliseconds since the epoch while a failed-login lockout lasts, else null. */
  lockedUntil: number | null;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

const RANK: Record<Principal['role'], number> = { user: 0, 'domain-admin': 1, 'tenant-admin': 2, 'super-admin': 3 };

/**
 * The principal at an address (or with an id) if the actor may see it: of its own tenant and,
 * for a domain admin, with its primary address at one of that admin's domains. Anything else is
 * `not_found`, the same answer as for an address nobody has.
 */
export async function principalForAdmin(
  ctx: AdminContext,
  ref: PrincipalRef,
  options: { field?: string; kinds?: readonly PrincipalKind[]; what?: string; /** Any principal of the actor's tenant, e.g. a group member: referring to it changes nothing of it. */ anyDomain?: boolean } = {},
): Promise<Principal> {
  const field = options.field ?? 'address';
  const what = options.what ?? 'user or group';
  const label = typeof ref === 'number' ? `#${ref}` : normalizeAddress(ref).address;
  const missing = () => new DirectoryError('not_found', `no such ${what}: ${label}`, field);
  const principal =
    typeof ref === 'number'
      ? await ctx.db.selectFrom('principals').selectAll().where('id', '=', ref).executeTakeFirst()
      : await ctx.db.selectFrom('addresses as a').innerJoin('principals as p', 'p.id', 'a.principal_id').selectAll('p').where('a.address', '=', label).executeTakeFirst();
  if (!principal || (options.kinds && !options.kinds.includes(principal.kind))) throw missing();
  requireSameTenant(ctx, principal.tenant_id, `${what}: ${label}`, field);
  if (ctx.actor.role === 'domain-admin' && !options.anyDomain) {
    const home = await ctx.db.selectFrom('addresses').select('domain_id').where('principal_id', '=', principal.id).where('is_primary', '=', 1).executeTakeFirst();
    if (!home || !ctx.actor.domainIds.includes(Number(home.domain_id))) throw missing();
  }
  return principal;
}

/** A user the actor may see and change: an administrator never changes an account that outranks its own. */
async function userForChange(ctx: AdminContext, ref: PrincipalRef): Promise<Principal> {
  requireScope(ctx, 'directory:write');
  const user = await principalForAdmin(ctx, ref, { kinds: ['user'], what: 'user' });
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may change users', 'address');
  if (RANK[user.role] > RANK[ctx.actor.role]) throw new DirectoryError('forbidden', `${user.login} is a ${user.role}; only a higher administrator may change it`, 'address');
  return user;
}

async function info(ctx: AdminContext, user: Principal): Promise<UserInfo> {
  const addresses = await ctx.db.selectFrom('addresses').select(['address', 'is_primary']).where('principal_id', '=', user.id).orderBy('address').execute();
  const tenant = await ctx.db.selectFrom('tenants').select('name').where('id', '=', user.tenant_id).executeTakeFirstOrThrow();
  return {
    id: Number(user.id),
    address: user.login ?? addresses.find((a) => a.is_primary)?.address ?? '',
    displayName: user.display_name,
    aliases: addresses.filter((a) => !a.is_primary).map((a) => a.address),
    quotaBytes: Number(user.quota_bytes),
    usedBytes: Number(user.used_bytes),
    disabled: user.disabled === 1,
    tenantId: Number(user.tenant_id),
    tenant: tenant.name,
    role: user.role,
    createdAt: Number(user.created_at),
    lockedUntil: await lockedUntil(ctx.db, user.id),
  };
}

export async function addUser(ctx: AdminContext, input: directory.NewUser): Promise<UserInfo> {
  requireScope(ctx, 'directory:write');
  const domain = await domainForAdmin(ctx, normalizeAddress(input.address).domain);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'address');
  const added = await directory.addUser(ctx.db, input);
  await audit(ctx, 'user.add', added.login ?? input.address, { displayName: input.displayName ?? null, quotaBytes: Number(added.quota_bytes) }, added.tenant_id);
  return info(ctx, added);
}

export interface UserListInput {
  /** Page size, default DEFAULT_PAGE, at most MAX_PAGE. */
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
  /** Case-insensitive substring of the address or the display name. */
  query?: string;
  domain?: string;
  /** For a super-admin: only this tenant. */
  tenant?: TenantRef;
}

/** One page of the users the actor administers, ordered by address; `next` is null on the last page. */
export async function listUsers(ctx: AdminContext, input: UserListInput = {}): Promise<{ items: UserSummary[]; next: string | null }> {
  requireScope(ctx, 'directory:read');
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may list users');
  const limit = input.limit ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new DirectoryError('invalid', `limit must be between 1 and ${MAX_PAGE}`, 'limit');
  let domainIds: readonly number[] | undefined = ctx.actor.role === 'domain-admin' ? ctx.actor.domainIds : undefined;
  if (input.domain !== undefined) {
    const domain = await domainForAdmin(ctx, input.domain);
    // Users live at the target of an alias domain.
    domainIds = [Number(domain.alias_of_domain_id ?? domain.id)];
  }
  const requested = input.tenant !== undefined ? Number((await tenantForAdmin(ctx, input.tenant)).id) : null;
  return directory.listUserPage(ctx.db, { tenantId: tenantScope(ctx, requested), domainIds, query: input.query?.trim() || undefined, after: input.after, limit });
}

export async function getUser(ctx: AdminContext, input: { user: PrincipalRef }): Promise<UserInfo> {
  requireScope(ctx, 'directory:read');
  const user = await principalForAdmin(ctx, input.user, { kinds: ['user'], what: 'user' });
  if (ctx.actor.role === 'user' && ctx.actor.principalId !== user.id) throw new DirectoryError('forbidden', 'only an administrator may read other users', 'address');
  return info(ctx, user);
}

export async function updateUser(ctx: AdminContext, input: { user: PrincipalRef; displayName?: string; quotaBytes?: number; disabled?: boolean }): Promise<UserInfo> {
  const user = await userForChange(ctx, input.user);
  const { user: _ref, ...changes } = input;
  await directory.updateUser(ctx.db, user.id, changes);
  await audit(ctx, 'user.update', user.login ?? String(user.id), changes, user.tenant_id);
  return info(ctx, await directory.findUserById(ctx.db, user.id));
}

/** `petrel user quota`: the quota alone, 0 for unlimited. */
export async function setUserQuota(ctx: AdminContext, input: { user: PrincipalRef; quotaBytes: number }): Promise<UserInfo> {
  const user = await userForChange(ctx, input.user);
  await directory.updateUser(ctx.db, user.id, { quotaBytes: input.quotaBytes });
  await audit(ctx, 'user.quota', user.login ?? String(user.id), { quotaBytes: input.quotaBytes }, user.tenant_id);
  return info(ctx, await directory.findUserById(ctx.db, user.id));
}

/** Sets a new password (which also lifts a lockout); the password itself is never logged. */
export async function setUserPassword(ctx: AdminContext, input: { user: PrincipalRef; password: string }): Promise<{ address: string }> {
  const user = await userForChange(ctx, input.user);
  const address = user.login ?? '';
  await directory.setPassword(ctx.db, address, input.password);
  await audit(ctx, 'user.passwd', address, {}, user.tenant_id);
  return { address };
}

export async function removeUser(ctx: AdminContext, input: { user: PrincipalRef }): Promise<{ removed: string }> {
  const user = await userForChange(ctx, input.user);
  if (typeof input.user === 'string' && normalizeAddress(input.user).address !== user.login) {
    throw new DirectoryError('invalid', `${input.user} is an alias of ${user.login}; remove the alias or the user ${user.login}`, 'address');
  }
  if (user.role === 'super-admin') throw new DirectoryError('invalid', `${user.login} is a super-admin; revoke the role first`, 'address');
  await directory.removeUser(ctx.db, user.login ?? '');
  await audit(ctx, 'user.remove', user.login ?? String(user.id), {}, user.tenant_id);
  return { removed: user.login ?? '' };
}

/** Clears a failed-login lockout and count. */
export async function unlockUser(ctx: AdminContext, input: { user: PrincipalRef }): Promise<{ address: string; wasLocked: boolean }> {
  const user = await userForChange(ctx, input.user);
  const wasLocked = await unlockAccount(ctx.db, user.id);
  await audit(ctx, 'user.unlock', user.login ?? String(user.id), { cleared: wasLocked }, user.tenant_id);
  return { address: user.login ?? '', wasLocked };
}
