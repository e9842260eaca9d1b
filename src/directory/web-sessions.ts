import { createHash, randomBytes } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { recordLoginFailure, recordLoginSuccess, unlockAccount, type Clock } from './account-lockout.ts';
import { recordAudit } from './audit.ts';
import { checkLogin, type CheckedLogin, type LoginContext } from './authenticate.ts';
import { DirectoryError } from './errors.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import { useRecoveryCode } from './recovery-codes.ts';
import { verifyTotp } from './totp.ts';

/**
 * Browser sessions of webmail and the admin console. The token is 32 random bytes given to the
 * browser once; the database keeps only its SHA-256, so a copy of the database opens no session.
 * A session ends after IDLE_TIMEOUT_MS without a request, and in any case ABSOLUTE_LIFETIME_MS
 * after the login (OWASP Session Management: both an idle and an absolute timeout).
 */
export const IDLE_TIMEOUT_MS = 2 * 3600_000;
export const ABSOLUTE_LIFETIME_MS = 12 * 3600_000;
/** last_seen_at is written at most this often, so that checking a session is usually one read. */
const TOUCH_INTERVAL_MS = 60_000;

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Asks for the TOTP code (or a recovery code) of a principal whose password has just matched. */
async function secondFactor(db: Kysely<Database>, checked: CheckedLogin, code: string | undefined, now: Clock): Promise<'totp' | 'recovery code'> {
  if (code === undefined || code.trim() === '') {
    await checked.audit(false, 'second factor required');
    throw new DirectoryError('invalid', 'a second factor is required', 'totp');
  }
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed) ? await verifyTotp(db, checked.principal.id, trimmed, now) : await useRecoveryCode(db, checked.principal.id, trimmed, now)) {
    return /^\d{6}$/.test(trimmed) ? 'totp' : 'recovery code';
  }
  // A wrong code is a guess like a wrong password: it counts towards the lockout.
  const until = await recordLoginFailure(db, checked.principal.id, now);
  await checked.audit(false, 'wrong second factor', until === null ? {} : { lockedUntil: new Date(until).toISOString() });
  throw new DirectoryError('invalid', 'wrong credentials', 'totp');
}

/**
 * The interactive login of webmail and the admin console: the password (never an app password),
 * then, if the principal has TOTP, a current code or an unused recovery code. Failures never say
 * whether the login or the password was wrong; a missing code is asked for with field `totp`, and
 * an expired password with field `password` (the right password was given, so nothing leaks).
 * Every outcome is audited; the lockout counts wrong passwords and wrong codes alike.
 */
export async function loginForSession(db: Kysely<Database>, login: string, password: string, totpCode: string | undefined, context: LoginContext, now: Clock = Date.now): Promise<Principal> {
  const loginContext = { protocol: context.protocol || 'web', remoteAddress: context.remoteAddress };
  const checked = await checkLogin(db, login, password, loginContext, now, { interactive: true });
  if (!checked.ok) {
    if (checked.reason === 'password expired') throw new DirectoryError('invalid', 'the password has expired; choose a new one', 'password');
    throw new DirectoryError('invalid', 'wrong credentials');
  }
  const factor = checked.totp ? await secondFactor(db, checked, totpCode, now) : null;
  await recordLoginSuccess(db, checked.principal.id);
  await checked.audit(true, undefined, factor ? { secondFactor: factor } : {});
  return checked.principal;
}

/**
 * How a user whose password expired (or who just wants a new one) sets it: the old password (and
 * the second factor, if on) proves who they are; the new one must meet the tenant's policy. Every
 * web session of the user ends, as after any password change.
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  login: string,
  oldPassword: string,
  newPassword: string,
  options: { totpCode?: string; context?: LoginContext; now?: Clock } = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const context = options.context ?? { protocol: 'web' };
  const checked = await checkLogin(db, login, oldPassword, context, now, { interactive: true, allowExpired: true });
  if (!checked.ok) throw new DirectoryError('invalid', 'wrong credentials');
  if (checked.totp) await secondFactor(db, checked, options.totpCode, now);
  await setOwnPassword(db, checked.principal, newPassword, oldPassword, now);
  await recordLoginSuccess(db, checked.principal.id);
  await recordAudit(db, { at: now(), tenantId: checked.principal.tenant_id, actor: checked.principal.login ?? login, action: 'password.change', target: checked.principal.login, protocol: context.protocol, remoteAddress: context.remoteAddress ?? null });
}

/** Sets a principal's new password after the policy check, ending its web sessions. */
export async function setOwnPassword(db: Kysely<Database>, principal: Principal, newPassword: string, oldPassword: string | null, now: Clock = Date.now): Promise<void> {
  if (oldPassword !== null && newPassword === oldPassword) throw new DirectoryError('invalid', 'the new password must differ from the old one', 'password');
  await checkPasswordPolicy(db, principal.tenant_id, newPassword, { login: principal.login });
  await db.updateTable('principals').set({ password_hash: await hashPassword(newPassword), password_changed_at: now() }).where('id', '=', principal.id).execute();
  await unlockAccount(db, principal.id);
  await revokeAllWebSessions(db, principal.id);
}

export interface SessionClient {
  remoteAddress?: string | null;
  userAgent?: string | null;
}

/** Starts a session; the token goes to the browser (e.g. in an HttpOnly cookie) and is never stored. */
export async function createWebSession(db: Kysely<Database>, principalId: number, client: SessionClient = {}, now: Clock = Date.now): Promise<{ token: string; id: number }> {
  const at = now();
  const token = randomBytes(32).toString('base64url');
  // Ended sessions of this principal go now, so the table does not grow with every login.
  await db
    .deleteFrom('web_sessions')
    .where('principal_id', '=', principalId)
    .where((eb) => eb.or([eb('last_seen_at', '<=', at - IDLE_TIMEOUT_MS), eb('created_at', '<=', at - ABSOLUTE_LIFETIME_MS)]))
    .execute();
  const row = await db
    .insertInto('web_sessions')
    .values({
      principal_id: principalId,
      token_hash: tokenHash(token),
      created_at: at,
      last_seen_at: at,
      remote_address: client.remoteAddress?.slice(0, 256) ?? null,
      user_agent: client.userAgent?.slice(0, 512) ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: Number(row.id) };
}

/**
 * The session a token opens, or null if it is unknown, idle too long, too old, or its principal
 * is disabled. One indexed read; the last-seen time is written at most once a minute.
 */
export async function verifyWebSession(db: Kysely<Database>, token: string, now: Clock = Date.now): Promise<{ id: number; principalId: number } | null> {
  if (token === '') return null;
  const at = now();
  const row = await db
    .selectFrom('web_sessions as s')
    .innerJoin('principals as p', 'p.id', 's.principal_id')
    .select(['s.id', 's.principal_id', 's.created_at', 's.last_seen_at', 'p.disabled'])
    .where('s.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row) return null;
  const id = Number(row.id);
  if (at - Number(row.last_seen_at) >= IDLE_TIMEOUT_MS || at - Number(row.created_at) >= ABSOLUTE_LIFETIME_MS) {
    await db.deleteFrom('web_sessions').where('id', '=', id).execute();
    return null;
  }
  if (row.disabled) return null;
  if (at - Number(row.last_seen_at) >= TOUCH_INTERVAL_MS) await db.updateTable('web_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
  return { id, principalId: Number(row.principal_id) };
}

export interface WebSessionInfo {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  /** When it ends if unused: the earlier of the idle and the absolute limit. */
  expiresAt: string;
  remoteAddress: string | null;
  userAgent: string | null;
}

/** The principal's live sessions, newest first. */
export async function listWebSessions(db: Kysely<Database>, principalId: number, now: Clock = Date.now): Promise<WebSessionInfo[]> {
  const at = now();
  const rows = await db
    .selectFrom('web_sessions')
    .selectAll()
    .where('principal_id', '=', principalId)
    .where('last_seen_at', '>', at - IDLE_TIMEOUT_MS)
    .where('created_at', '>', at - ABSOLUTE_LIFETIME_MS)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: new Date(Number(r.created_at)).toISOString(),
    lastSeenAt: new Date(Number(r.last_seen_at)).toISOString(),
    expiresAt: new Date(Math.min(Number(r.last_seen_at) + IDLE_TIMEOUT_MS, Number(r.created_at) + ABSOLUTE_LIFETIME_MS)).toISOString(),
    remoteAddress: r.remote_address,
    userAgent: r.user_agent,
  }));
}

/** Ends one session of the principal (logout, or "sign out that device"); not_found for anyone else's. */
export async function revokeWebSession(db: Kysely<Database>, principalId: number, sessionId: number): Promise<void> {
  const result = await db.deleteFrom('web_sessions').where('principal_id', '=', principalId).where('id', '=', sessionId).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new DirectoryError('not_found', `no such session: ${sessionId}`, 'id');
}

/** Ends every session of the principal; returns how many there were. Called on password change and 2FA reset. */
export async function revokeAllWebSessions(db: Kysely<Database>, principalId: number): Promise<number> {
  const result = await db.deleteFrom('web_sessions').where('principal_id', '=', principalId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
