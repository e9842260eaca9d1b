import { recordLoginFailure } from '../directory/account-lockout.ts';
import * as appPasswords from '../directory/app-passwords.ts';
import { DirectoryError } from '../directory/errors.ts';
import { verifyPassword } from '../directory/passwords.ts';
import { regenerateRecoveryCodes, useRecoveryCode } from '../directory/recovery-codes.ts';
import { confirmTotp, disableTotp, enrolTotp, totpStatus, verifyTotp, type TotpEnrolment, type TotpStatus } from '../directory/totp.ts';
import { listWebSessions, revokeWebSession, setOwnPassword, type WebSessionInfo } from '../directory/web-sessions.ts';
import type { Principal } from '../store/schema.ts';
import { audit, requireScope, type AdminContext } from './context.ts';

/**
 * Self-service: what any signed-in principal (role `user` included) may do to its own
 * credentials. Turning the second factor off or making new recovery codes asks for a current
 * code, so that a session left open on someone else's screen cannot quietly weaken the account.
 */

async function me(ctx: AdminContext, write: boolean): Promise<Principal> {
  requireScope(ctx, write ? 'directory:write' : 'directory:read');
  if (ctx.actor.principalId === null) throw new DirectoryError('forbidden', 'only a signed-in user has credentials of their own');
  const principal = await ctx.db.selectFrom('principals').selectAll().where('id', '=', ctx.actor.principalId).executeTakeFirst();
  if (!principal) throw new DirectoryError('not_found', 'no such user');
  return principal;
}

const label = (principal: Principal) => principal.login ?? `#${principal.id}`;

/** A current TOTP code or an unused recovery code; a wrong one counts towards the lockout like a wrong password. */
async function requireCode(ctx: AdminContext, principal: Principal, code: string | undefined): Promise<void> {
  const given = (code ?? '').trim();
  if (given === '') throw new DirectoryError('invalid', 'a current code from the authenticator app (or a recovery code) is required', 'code');
  const ok = /^\d{6}$/.test(given) ? await verifyTotp(ctx.db, principal.id, given) : await useRecoveryCode(ctx.db, principal.id, given);
  if (!ok) {
    await recordLoginFailure(ctx.db, principal.id);
    throw new DirectoryError('invalid', 'wrong or already used code', 'code');
  }
}

export interface MySecurity {
  address: string;
  totp: TotpStatus;
  appPasswords: appPasswords.AppPasswordInfo[];
  sessions: WebSessionInfo[];
}

export async function getMySecurity(ctx: AdminContext): Promise<MySecurity> {
  const principal = await me(ctx, false);
  return {
    address: label(principal),
    totp: await totpStatus(ctx.db, principal.id),
    appPasswords: await appPasswords.listAppPasswords(ctx.db, principal.id),
    sessions: await listWebSessions(ctx.db, principal.id),
  };
}

/** Step one of turning TOTP on: the secret and otpauth:// URI for the app (a QR code of the URI). */
export async function enrolMyTotp(ctx: AdminContext, input: { issuer?: string } = {}): Promise<TotpEnrolment> {
  const principal = await me(ctx, true);
  const enrolment = await enrolTotp(ctx.db, principal, input.issuer ?? 'Petrel');
  await audit(ctx, 'totp.enrol', label(principal), {}, principal.tenant_id);
  return enrolment;
}

/** Step two: the first code turns TOTP on; the recovery codes are in the result only. */
export async function confirmMyTotp(ctx: AdminContext, input: { code: string }): Promise<{ recoveryCodes: string[] }> {
  const principal = await me(ctx, true);
  const recoveryCodes = await confirmTotp(ctx.db, principal.id, input.code);
  await audit(ctx, 'totp.enable', label(principal), {}, principal.tenant_id);
  return { recoveryCodes };
}

export async function disableMyTotp(ctx: AdminContext, input: { code: string }): Promise<{ disabled: boolean }> {
  const principal = await me(ctx, true);
  if (!(await totpStatus(ctx.db, principal.id)).enabled) {
    const disabled = await disableTotp(ctx.db, principal.id);
    return { disabled };
  }
  await requireCode(ctx, principal, input.code);
  await disableTotp(ctx.db, principal.id);
  await audit(ctx, 'totp.disable', label(principal), {}, principal.tenant_id);
  return { disabled: true };
}

export async function regenerateMyRecoveryCodes(ctx: AdminContext, input: { code: string }): Promise<{ recoveryCodes: string[] }> {
  const principal = await me(ctx, true);
  if (!(await totpStatus(ctx.db, principal.id)).enabled) throw new DirectoryError('invalid', 'two-factor authentication is off; recovery codes come with it', 'code');
  await requireCode(ctx, principal, input.code);
  const recoveryCodes = await regenerateRecoveryCodes(ctx.db, principal.id);
  await audit(ctx, 'totp.recovery-codes', label(principal), {}, principal.tenant_id);
  return { recoveryCodes };
}

export async function listMyAppPasswords(ctx: AdminContext): Promise<appPasswords.AppPasswordInfo[]> {
  const principal = await me(ctx, false);
  return appPasswords.listAppPasswords(ctx.db, principal.id);
}

export async function createMyAppPassword(ctx: AdminContext, input: { name: string; protocols: string | readonly string[] }): Promise<appPasswords.NewAppPassword> {
  const principal = await me(ctx, true);
  const created = await appPasswords.createAppPassword(ctx.db, principal.id, input.name, input.protocols);
  await audit(ctx, 'app-password.add', label(principal), { id: created.id, name: created.name, protocols: created.protocols }, principal.tenant_id);
  return created;
}

export async function revokeMyAppPassword(ctx: AdminContext, input: { id: number }): Promise<{ revoked: number }> {
  const principal = await me(ctx, true);
  await appPasswords.revokeAppPassword(ctx.db, principal.id, input.id);
  await audit(ctx, 'app-password.revoke', label(principal), { id: input.id }, principal.tenant_id);
  return { revoked: input.id };
}

export async function listMySessions(ctx: AdminContext): Promise<WebSessionInfo[]> {
  const principal = await me(ctx, false);
  return listWebSessions(ctx.db, principal.id);
}

/** Signs out one of the user's browsers (or this one: logout). */
export async function revokeMySession(ctx: AdminContext, input: { id: number }): Promise<{ revoked: number }> {
  const principal = await me(ctx, true);
  await revokeWebSession(ctx.db, principal.id, input.id);
  await audit(ctx, 'session.revoke', label(principal), { id: input.id }, principal.tenant_id);
  return { revoked: input.id };
}

/**
 * A new password, proven by the old one (the session already passed the second factor). Every web
 * session ends, this one included, so a thief's session ends with the old password.
 */
export async function changeMyPassword(ctx: AdminContext, input: { oldPassword: string; newPassword: string }): Promise<{ address: string }> {
  const principal = await me(ctx, true);
  if (!principal.password_hash || !(await verifyPassword(principal.password_hash, input.oldPassword))) {
    await recordLoginFailure(ctx.db, principal.id);
    throw new DirectoryError('invalid', 'the current password is wrong', 'oldPassword');
  }
  await setOwnPassword(ctx.db, principal, input.newPassword, input.oldPassword);
  await audit(ctx, 'password.change', label(principal), {}, principal.tenant_id);
  return { address: label(principal) };
}
