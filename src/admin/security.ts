import * as appPasswords from '../directory/app-passwords.ts';
import { DirectoryError } from '../directory/errors.ts';
import * as policy from '../directory/password-policy.ts';
import { ensureDefaultTenant } from '../directory/tenants.ts';
import { disableTotp, totpStatus, type TotpStatus } from '../directory/totp.ts';
import { listWebSessions, revokeAllWebSessions, revokeWebSession, type WebSessionInfo } from '../directory/web-sessions.ts';
import type { Principal, Tenant } from '../store/schema.ts';
import { audit, requireScope, requireTenantAdmin, type AdminContext } from './context.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

/**
 * Account security as administrators see it: the tenant's password policy, and a user's second
 * factor, web sessions and app passwords. A user's own view of the same things is in me.ts.
 */

export type PasswordPolicy = policy.PasswordPolicy;

const RANK: Record<Principal['role'], number> = { user: 0, 'domain-admin': 1, 'tenant-admin': 2, 'super-admin': 3 };

/** The tenant named, or the actor's own (the default tenant for a super-admin who names none). */
async function policyTenant(ctx: AdminContext, ref: TenantRef | undefined): Promise<Tenant> {
  if (ref !== undefined) return tenantForAdmin(ctx, ref);
  if (ctx.actor.tenantId !== null) return tenantForAdmin(ctx, ctx.actor.tenantId);
  return ensureDefaultTenant(ctx.db);
}

/** Anyone may read their own tenant's policy, so that a password form can say what it wants. */
export async function getPasswordPolicy(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<PasswordPolicy & { tenant: string }> {
  requireScope(ctx, 'directory:read');
  const tenant = await policyTenant(ctx, input.tenant);
  return { tenant: tenant.name, ...(await policy.getPasswordPolicy(ctx.db, tenant.id)) };
}

export async function setPasswordPolicy(ctx: AdminContext, input: Partial<PasswordPolicy> & { tenant?: TenantRef }): Promise<PasswordPolicy & { tenant: string }> {
  requireScope(ctx, 'directory:write');
  const tenant = await policyTenant(ctx, input.tenant);
  requireTenantAdmin(ctx, tenant.id, 'password policy');
  const { tenant: _ref, ...changes } = input;
  const updated = await policy.setPasswordPolicy(ctx.db, tenant.id, changes);
  await audit(ctx, 'policy.set', tenant.name, changes, tenant.id);
  return { tenant: tenant.name, ...updated };
}

/**
 * A user whose credentials the actor may see (`write` false) or change: an administrator of the
 * user's domain or tenant, never one the user outranks. Role `user` actors use me.ts instead.
 */
async function userForSecurity(ctx: AdminContext, ref: PrincipalRef, write: boolean): Promise<Principal> {
  requireScope(ctx, write ? 'directory:write' : 'directory:read');
  const user = await principalForAdmin(ctx, ref, { kinds: ['user'], what: 'user' });
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may manage other users\' security', 'address');
  if (write && RANK[user.role] > RANK[ctx.actor.role]) throw new DirectoryError('forbidden', `${user.login} is a ${user.role}; only a higher administrator may change it`, 'address');
  return user;
}

const label = (user: Principal) => user.login ?? `#${user.id}`;

export async function getTotpStatus(ctx: AdminContext, input: { user: PrincipalRef }): Promise<TotpStatus & { address: string }> {
  const user = await userForSecurity(ctx, input.user, false);
  return { address: label(user), ...(await totpStatus(ctx.db, user.id)) };
}

/** For a user who lost the device and the recovery codes: TOTP off, every web session ended. */
export async function resetTotp(ctx: AdminContext, input: { user: PrincipalRef }): Promise<{ address: string; wasEnabled: boolean; sessionsEnded: number }> {
  const user = await userForSecurity(ctx, input.user, true);
  const wasEnabled = await disableTotp(ctx.db, user.id);
  const sessionsEnded = await revokeAllWebSessions(ctx.db, user.id);
  await audit(ctx, 'totp.reset', label(user), { wasEnabled, sessionsEnded }, user.tenant_id);
  return { address: label(user), wasEnabled, sessionsEnded };
}

export async function listUserSessions(ctx: AdminContext, input: { user: PrincipalRef }): Promise<WebSessionInfo[]> {
  const user = await userForSecurity(ctx, input.user, false);
  return listWebSessions(ctx.db, user.id);
}

/** Ends one session of the user, or every one when no id is given. */
export async function revokeUserSessions(ctx: AdminContext, input: { user: PrincipalRef; id?: number }): Promise<{ address: string; revoked: number }> {
  const user = await userForSecurity(ctx, input.user, true);
  let revoked = 1;
  if (input.id === undefined) revoked = await revokeAllWebSessions(ctx.db, user.id);
  else await revokeWebSession(ctx.db, user.id, input.id);
  await audit(ctx, 'session.revoke', label(user), input.id === undefined ? { all: true, revoked } : { id: input.id }, user.tenant_id);
  return { address: label(user), revoked };
}

export async function listUserAppPasswords(ctx: AdminContext, input: { user: PrincipalRef }): Promise<appPasswords.AppPasswordInfo[]> {
  const user = await userForSecurity(ctx, input.user, false);
  return appPasswords.listAppPasswords(ctx.db, user.id);
}

/** Creates an app password for the user; the secret is in the result and nowhere else, ever. */
export async function createUserAppPassword(ctx: AdminContext, input: { user: PrincipalRef; name: string; protocols: string | readonly string[] }): Promise<appPasswords.NewAppPassword> {
  const user = await userForSecurity(ctx, input.user, true);
  const created = await appPasswords.createAppPassword(ctx.db, user.id, input.name, input.protocols);
  await audit(ctx, 'app-password.add', label(user), { id: created.id, name: created.name, protocols: created.protocols }, user.tenant_id);
  return created;
}

export async function revokeUserAppPassword(ctx: AdminContext, input: { user: PrincipalRef; id: number }): Promise<{ address: string; revoked: number }> {
  const user = await userForSecurity(ctx, input.user, true);
  await appPasswords.revokeAppPassword(ctx.db, user.id, input.id);
  await audit(ctx, 'app-password.revoke', label(user), { id: input.id }, user.tenant_id);
  return { address: label(user), revoked: input.id };
}
