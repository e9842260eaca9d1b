import { sql, type Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { lockedUntil, recordLoginFailure, recordLoginSuccess, type Clock } from './account-lockout.ts';
import { appPasswordProtocol, touchAppPassword } from './app-passwords.ts';
import { recordAudit, type LoginContext } from './audit.ts';
import { passwordExpired } from './password-policy.ts';
import { verifyAgainstNothing, verifyPassword } from './passwords.ts';

export type { LoginContext } from './audit.ts';

/** Where people type a password into a page, for the audit reason when one of them reaches authenticate(). */
const INTERACTIVE_PROTOCOLS = new Set(['web', 'admin', 'api']);

export type LoginAudit = (success: boolean, reason?: string, extra?: Record<string, unknown>) => Promise<void>;

/** A password check that got as far as a principal and a secret that matched. */
export interface CheckedLogin {
  ok: true;
  principal: Principal;
  /** The principal has confirmed TOTP: an interactive login must still ask for a code. */
  totp: boolean;
  /** Which secret matched. */
  via: 'password' | 'app password';
  /** Writes this attempt's audit record. */
  audit: LoginAudit;
}

/** Why a login failed; for the audit log and for loginForSession, never for a mail client. */
export interface FailedLogin {
  ok: false;
  reason: string;
}

interface FoundPrincipal extends Principal {
  password_max_age_days: number;
}

async function findLogin(db: Kysely<Database>, name: string): Promise<FoundPrincipal | undefined> {
  const base = () => db.selectFrom('principals as p').innerJoin('tenants as t', 't.id', 'p.tenant_id').selectAll('p').select('t.password_max_age_days');
  return (
    (await base().where('p.login', '=', name).executeTakeFirst()) ??
    (await base().innerJoin('addresses as a', 'a.principal_id', 'p.id').where('a.address', '=', name).executeTakeFirst())
  );
}

/**
 * TOTP state and app passwords in one indexed round trip: the TOTP row, if confirmed, comes back
 * as a row with id 0 and protocols 'totp'. A user with neither costs one empty lookup.
 */
async function secondCredentials(db: Kysely<Database>, principalId: number): Promise<{ totp: boolean; appPasswords: { id: number; hash: string; protocols: string }[] }> {
  const rows = await db
    .selectFrom('app_passwords')
    .select(['id', 'hash', 'protocols'])
    .where('principal_id', '=', principalId)
    .unionAll(
      db
        .selectFrom('totp')
        .select([sql<number>`0`.as('id'), sql<string>`''`.as('hash'), sql<string>`'totp'`.as('protocols')])
        .where('principal_id', '=', principalId)
        .where('confirmed_at', 'is not', null),
    )
    .execute();
  return { totp: rows.some((r) => Number(r.id) === 0), appPasswords: rows.filter((r) => Number(r.id) !== 0) };
}

/**
 * The password step of every login, shared by authenticate() and loginForSession(). Failures are
 * audited and, where they were guesses, counted towards the lockout here; a success is left to
 * the caller to audit and to clear the lockout once every factor has passed.
 *
 * A principal with TOTP gives its main password only to interactive logins (which then ask for
 * the code): `interactive` says the caller does so. Mail, DAV and JMAP clients must use an app
 * password listed for their protocol, and an interactive login never takes an app password. A
 * right secret refused for these reasons does not count as a failed guess. `allowExpired` is for
 * changing an expired password.
 */
export async function checkLogin(
  db: Kysely<Database>,
  login: string,
  password: string,
  context: LoginContext | undefined,
  now: Clock = Date.now,
  options: { interactive?: boolean; allowExpired?: boolean } = {},
): Promise<CheckedLogin | FailedLogin> {
  const name = login.trim().toLowerCase();
  const found = await findLogin(db, name);
  const audit: LoginAudit = (success, reason, extra = {}) =>
    recordAudit(db, {
      at: now(),
      tenantId: found?.tenant_id ?? null,
      actor: found?.login ?? name,
      action: success ? 'login.success' : 'login.failure',
      target: name,
      protocol: context?.protocol ?? null,
      remoteAddress: context?.remoteAddress ?? null,
      details: reason ? { reason, ...extra } : extra,
    });
  const fail = async (reason: string, extra: Record<string, unknown> = {}): Promise<FailedLogin> => {
    await audit(false, reason, extra);
    return { ok: false, reason };
  };
  if (!found || !found.password_hash) {
    await verifyAgainstNothing(password);
    return fail(found ? 'no password set' : 'unknown login');
  }
  const { password_max_age_days: maxAgeDays, ...principal } = found;
  const credentials = await secondCredentials(db, principal.id);
  // Verified even while locked, so that a locked account answers as slowly as any other.
  const mainOk = await verifyPassword(principal.password_hash as string, password);
  const locked = await lockedUntil(db, principal.id, now);
  if (locked !== null) return fail('locked', { lockedUntil: new Date(locked).toISOString() });
  const protocol = context?.protocol;
  if (mainOk) {
    if (principal.disabled) return fail('disabled');
    if (credentials.totp && !options.interactive) return fail(protocol !== undefined && INTERACTIVE_PROTOCOLS.has(protocol) ? 'second factor required' : 'app password required');
    if (!options.allowExpired && passwordExpired(maxAgeDays, Number(principal.password_changed_at) || Number(principal.created_at), now())) return fail('password expired');
    return { ok: true, principal, totp: credentials.totp, via: 'password', audit };
  }
  for (const app of credentials.appPasswords) {
    if (!(await verifyPassword(app.hash, password))) continue;
    if (principal.disabled) return fail('disabled');
    const wanted = options.interactive ? null : appPasswordProtocol(protocol);
    if (wanted === null || !app.protocols.split(' ').includes(wanted)) return fail('app password not allowed for this protocol', { appPassword: Number(app.id) });
    await touchAppPassword(db, Number(app.id), now());
    return {
      ok: true,
      principal,
      totp: credentials.totp,
      via: 'app password',
      audit: (success, reason, extra = {}) => audit(success, reason, { appPassword: Number(app.id), ...extra }),
    };
  }
  const until = await recordLoginFailure(db, principal.id, now);
  return fail('wrong password', until === null ? {} : { lockedUntil: new Date(until).toISOString() });
}

/**
 * Checks a login and password. Users log in with any of their addresses; the result is the
 * principal, or null for any failure (unknown login, wrong password, disabled, expired, app
 * password required) so that a caller cannot leak which one it was. Every attempt goes to the
 * audit log with the name tried (never the password), the reason for a failure (for the admin
 * only), and where it came from.
 *
 * Wrong passwords count towards the account's lockout (account-lockout.ts); while locked, even the
 * right password fails, with the same null, so a guesser cannot tell a lock from a wrong guess.
 * A principal with TOTP is refused here even on the web: interactive logins go through
 * loginForSession(), which asks for the code. `now` is for tests.
 */
export async function authenticate(db: Kysely<Database>, login: string, password: string, context?: LoginContext, now: Clock = Date.now): Promise<Principal | null> {
  const checked = await checkLogin(db, login, password, context, now);
  if (!checked.ok) return null;
  await recordLoginSuccess(db, checked.principal.id);
  await checked.audit(true, undefined, checked.via === 'app password' ? { via: 'app password' } : {});
  return checked.principal;
}
