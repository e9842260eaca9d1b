import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

import type { Kysely, Selectable } from 'kysely';

import type { Database, QrLoginsTable } from '../store/schema.ts';
import type { Clock } from './account-lockout.ts';
import { recordAudit } from './audit.ts';
import { DirectoryError } from './errors.ts';
import { createWebSession, type SessionClient } from './web-sessions.ts';

/**
 * Signing a desktop in from a phone that is already signed in. The desktop asks for a request and
 * gets its id, a 256-bit secret and a 6-digit code; it shows the id as a QR code (the approve link)
 * and the code as text, and polls with the secret. The signed-in phone opens the link, sees where
 * the request came from, types the code it reads on the desktop, and approves; the desktop's next
 * poll turns the approval into a new web session of the approver, once.
 *
 * What each piece guards against:
 * - The secret never leaves the desktop (only its SHA-256 is stored), so whoever sees the QR code
 *   or the link can approve or deny, but only the desktop that asked receives the session.
 * - The code is not in the link: someone who sends a victim their own request's link (QR phishing)
 *   must also make the victim type a code from a screen the victim is not looking at. Three wrong
 *   codes end the request, so the code cannot be guessed.
 * - A request lives two minutes; an approved one must be collected within half a minute, and the
 *   session is made only then, so no unclaimed session token exists anywhere.
 * - Every step is one conditional UPDATE, so two approvals or two collections race safely.
 */
export const QR_LOGIN_LIFETIME_MS = 120_000;
/** How long the desktop has to collect an approved request (it polls every two seconds). */
export const QR_COLLECT_WINDOW_MS = 30_000;
/** Requests one address may start per lifetime: a page that refreshes its code needs one a time. */
export const QR_MAX_PER_ADDRESS = 10;
export const QR_MAX_WRONG_CODES = 3;
/** Finished requests are kept this long, so that a late phone is told "used" rather than "unknown". */
const RETAIN_MS = 15 * 60_000;

export type QrLoginStatus = 'pending' | 'approved' | 'used' | 'denied' | 'expired';

/** Too many requests from one address; retry after `retryAfterMs`. */
export class QrLoginRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('too many sign-in codes requested from this address; try again shortly');
  }
}

export interface NewQrLogin {
  id: string;
  /** Only the desktop knows it; it proves the poll comes from the device that asked. */
  secret: string;
  /** Shown on the desktop, typed on the phone. */
  code: string;
  expiresAt: number;
}

export interface QrLoginPoll {
  status: QrLoginStatus;
  /** A session token of the approver: on the one poll that collects an approved request. */
  token?: string;
}

/** What the approving phone is shown: where the request came from, never its code or secret. */
export interface QrLoginRequest {
  id: string;
  status: QrLoginStatus;
  remoteAddress: string | null;
  userAgent: string | null;
  createdAt: number;
  expiresAt: number;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function sameSecret(given: string, storedHash: string): boolean {
  return timingSafeEqual(sha256(given), Buffer.from(storedHash, 'hex'));
}

/** Compared by hash so that the time taken says nothing about how much of the code was right. */
function sameCode(given: string, code: string): boolean {
  return timingSafeEqual(sha256(given.replace(/\s/g, '')), sha256(code));
}

function statusAt(row: Selectable<QrLoginsTable>, at: number): QrLoginStatus {
  if (row.status === 'pending') return at < Number(row.expires_at) ? 'pending' : 'expired';
  if (row.status === 'approved') return at < Number(row.decided_at) + QR_COLLECT_WINDOW_MS ? 'approved' : 'expired';
  return row.status === 'used' ? 'used' : 'denied';
}

async function findRequest(db: Kysely<Database>, id: string): Promise<Selectable<QrLoginsTable>> {
  const row = await db.selectFrom('qr_logins').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', 'no such sign-in request', 'id');
  return row;
}

/** Refuses a decision on a request that is no longer waiting for one, saying why. */
function notPending(status: QrLoginStatus): DirectoryError {
  const why: Record<QrLoginStatus, string> = {
    pending: 'the sign-in request changed; try again',
    approved: 'this sign-in request has already been approved',
    used: 'this sign-in request has already been used',
    denied: 'this sign-in request was denied',
    expired: 'this sign-in request has expired',
  };
  return new DirectoryError('conflict', why[status], 'id');
}

async function principalOf(db: Kysely<Database>, id: number) {
  return db.selectFrom('principals').select(['id', 'login', 'tenant_id', 'disabled']).where('id', '=', id).executeTakeFirst();
}

/** Starts a request for the desktop described by `client`; refused when its address asked too often. */
export async function createQrLogin(db: Kysely<Database>, client: SessionClient = {}, now: Clock = Date.now): Promise<NewQrLogin> {
  const at = now();
  await db.deleteFrom('qr_logins').where('expires_at', '<=', at - RETAIN_MS).execute();
  const remoteAddress = client.remoteAddress?.slice(0, 256) ?? null;
  if (remoteAddress !== null) {
    const recent = await db
      .selectFrom('qr_logins')
      .select(['created_at'])
      .where('remote_address', '=', remoteAddress)
      .where('created_at', '>', at - QR_LOGIN_LIFETIME_MS)
      .orderBy('created_at', 'desc')
      .limit(QR_MAX_PER_ADDRESS)
      .execute();
    if (recent.length >= QR_MAX_PER_ADDRESS) throw new QrLoginRateLimited(Number(recent[recent.length - 1].created_at) + QR_LOGIN_LIFETIME_MS - at);
  }
  const request: NewQrLogin = {
    id: randomBytes(16).toString('base64url'),
    secret: randomBytes(32).toString('base64url'),
    code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
    expiresAt: at + QR_LOGIN_LIFETIME_MS,
  };
  await db
    .insertInto('qr_logins')
    .values({
      id: request.id,
      secret_hash: sha256(request.secret).toString('hex'),
      code: request.code,
      status: 'pending',
      created_at: at,
      expires_at: request.expiresAt,
      remote_address: remoteAddress,
      user_agent: client.userAgent?.slice(0, 512) ?? null,
    })
    .execute();
  return request;
}

/**
 * The desktop's poll. An unknown id and a wrong secret are refused alike. The one poll that finds
 * the request approved marks it used and answers "approved" with a new session of the approver;
 * any later poll finds it used, without a token.
 */
export async function pollQrLogin(db: Kysely<Database>, id: string, secret: string, client: SessionClient = {}, now: Clock = Date.now): Promise<QrLoginPoll> {
  const row = await db.selectFrom('qr_logins').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !sameSecret(secret, row.secret_hash)) throw new DirectoryError('not_found', 'no such sign-in request', 'id');
  const at = now();
  const status = statusAt(row, at);
  if (status !== 'approved') return { status };
  const claimed = await db.updateTable('qr_logins').set({ status: 'used' }).where('id', '=', id).where('status', '=', 'approved').executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return { status: 'used' };
  const approver = await principalOf(db, Number(row.approver_id));
  // Disabled (or removed) between approving and collecting: no session.
  if (!approver || approver.disabled) return { status: 'denied' };
  const session = await createWebSession(db, Number(approver.id), client, now);
  await recordAudit(db, {
    at,
    tenantId: approver.tenant_id,
    actor: approver.login ?? String(approver.id),
    action: 'login.success',
    target: approver.login,
    protocol: 'web',
    remoteAddress: client.remoteAddress ?? null,
    details: { via: 'qr code', request: id },
  });
  return { status: 'approved', token: session.token };
}

/** The request as the approving device shows it. */
export async function describeQrLogin(db: Kysely<Database>, id: string, now: Clock = Date.now): Promise<QrLoginRequest> {
  const row = await findRequest(db, id);
  return {
    id: row.id,
    status: statusAt(row, now()),
    remoteAddress: row.remote_address,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export interface Approver {
  principalId: number;
  remoteAddress?: string | null;
}

async function auditDecision(db: Kysely<Database>, approver: Approver, row: Selectable<QrLoginsTable>, action: string, at: number, extra: Record<string, unknown> = {}): Promise<void> {
  const principal = await principalOf(db, approver.principalId);
  await recordAudit(db, {
    at,
    tenantId: principal?.tenant_id ?? null,
    actor: principal?.login ?? String(approver.principalId),
    action,
    target: principal?.login ?? null,
    protocol: 'web',
    remoteAddress: approver.remoteAddress ?? null,
    details: { request: row.id, requestedFrom: row.remote_address, ...extra },
  });
}

/**
 * The signed-in approver lets the desktop in as themselves, with the code the desktop shows. Only
 * a pending, unexpired request can be approved, once; a wrong code counts, and the third one
 * denies the request.
 */
export async function approveQrLogin(db: Kysely<Database>, id: string, code: string, approver: Approver, now: Clock = Date.now): Promise<void> {
  const row = await findRequest(db, id);
  const at = now();
  const status = statusAt(row, at);
  if (status !== 'pending') throw notPending(status);
  if (!sameCode(code, row.code)) {
    const counted = await db
      .updateTable('qr_logins')
      .set((eb) => ({ wrong_codes: eb('wrong_codes', '+', 1) }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returning('wrong_codes')
      .executeTakeFirst();
    const wrong = Number(counted?.wrong_codes ?? QR_MAX_WRONG_CODES);
    if (wrong >= QR_MAX_WRONG_CODES) await db.updateTable('qr_logins').set({ status: 'denied', decided_at: at }).where('id', '=', id).where('status', '=', 'pending').execute();
    await auditDecision(db, approver, row, 'qr-login.wrong-code', at, { wrongCodes: wrong });
    if (wrong >= QR_MAX_WRONG_CODES) throw new DirectoryError('conflict', 'too many wrong codes: this sign-in request is cancelled', 'code');
    throw new DirectoryError('invalid', 'the code does not match the one shown on the other screen', 'code');
  }
  const approved = await db
    .updateTable('qr_logins')
    .set({ status: 'approved', approver_id: approver.principalId, decided_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', at)
    .executeTakeFirst();
  if (Number(approved.numUpdatedRows) === 0) throw notPending(statusAt(await findRequest(db, id), at));
  await auditDecision(db, approver, row, 'qr-login.approve', at);
}

/** A signed-in user refuses the request: the desktop is told, and nobody can approve it any more. */
export async function denyQrLogin(db: Kysely<Database>, id: string, approver: Approver, now: Clock = Date.now): Promise<void> {
  const row = await findRequest(db, id);
  const at = now();
  const denied = await db
    .updateTable('qr_logins')
    .set({ status: 'denied', decided_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', at)
    .executeTakeFirst();
  if (Number(denied.numUpdatedRows) === 0) throw notPending(statusAt(await findRequest(db, id), at));
  await auditDecision(db, approver, row, 'qr-login.deny', at);
}
