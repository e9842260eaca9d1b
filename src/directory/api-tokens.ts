import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { Kysely, Selectable } from 'kysely';

import type { ApiTokensTable, Database, Domain, Principal } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

/**
 * Admin API tokens. A token reads `ptk_<id>_<secret>`: the id finds the row in one indexed lookup,
 * the secret (32 random bytes, base64url) is checked against its stored SHA-256. A fast hash is
 * enough here, unlike for passwords: 256 random bits cannot be guessed, only stolen.
 */

export type ApiTokenRow = Selectable<ApiTokensTable>;

const PREFIX = 'ptk';
const TOKEN_SHAPE = /^ptk_(\d{1,15})_([A-Za-z0-9_-]{43})$/;
/** Writing last_used_at on every request would turn every read into a write; a minute is precise enough for "is this token still used?". */
const LAST_USED_GRANULARITY_MS = 60_000;
export const MAX_TOKEN_NAME = 64;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface NewApiToken {
  principalId: number;
  name: string;
  scopes: readonly string[];
  /** Milliseconds since the epoch; null or absent never expires. */
  expiresAt?: number | null;
}

/** Makes a token and returns it with its secret, which is not kept anywhere and cannot be shown again. */
export async function createApiToken(db: Kysely<Database>, token: NewApiToken, now = Date.now()): Promise<{ row: ApiTokenRow; token: string }> {
  const name = token.name.trim();
  if (name.length === 0 || name.length > MAX_TOKEN_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new DirectoryError('invalid', `a token name is 1 to ${MAX_TOKEN_NAME} printable characters`, 'name');
  }
  if (token.expiresAt !== undefined && token.expiresAt !== null && token.expiresAt <= now) {
    throw new DirectoryError('invalid', 'the expiry time is in the past', 'expiresAt');
  }
  const secret = randomBytes(32).toString('base64url');
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('api_tokens').select('id').where('principal_id', '=', token.principalId).where('name', '=', name).executeTakeFirst()) {
      throw new DirectoryError('conflict', `there is already a token named ${name}`, 'name');
    }
    const row = await trx
      .insertInto('api_tokens')
      .values({ principal_id: token.principalId, name, token_hash: hashSecret(secret), scopes: [...new Set(token.scopes)].join(' '), created_at: now, last_used_at: null, expires_at: token.expiresAt ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, token: `${PREFIX}_${row.id}_${secret}` };
  });
}

export function tokenScopes(row: Pick<ApiTokenRow, 'scopes'>): string[] {
  return row.scopes.split(' ').filter(Boolean);
}

/** Whether the string is shaped like one of our tokens (so a session token can be told apart without a lookup). */
export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(`${PREFIX}_`);
}

/**
 * The token's row and its owner, or null for anything that does not open the door: malformed,
 * unknown id, wrong secret, expired, or an owner who is disabled. One answer for all, so a caller
 * cannot tell an unknown id from a wrong secret.
 */
export async function verifyApiToken(db: Kysely<Database>, token: string, now = Date.now()): Promise<{ row: ApiTokenRow; principal: Principal } | null> {
  const match = TOKEN_SHAPE.exec(token);
  if (!match) return null;
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', Number(match[1])).executeTakeFirst();
  if (!row) return null;
  const expected = Buffer.from(row.token_hash, 'hex');
  const given = createHash('sha256').update(match[2]).digest();
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (row.expires_at !== null && Number(row.expires_at) <= now) return null;
  const principal = await db.selectFrom('principals').selectAll().where('id', '=', row.principal_id).executeTakeFirst();
  if (!principal || principal.disabled) return null;
  if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_GRANULARITY_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { row, principal };
}

export interface ApiTokenListing {
  id: number;
  principalId: number;
  owner: string | null;
  tenantId: number;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** Tokens of the given owners (all owners when `principalIds` is absent), oldest first; never the hash. */
export async function listApiTokens(db: Kysely<Database>, filter: { principalIds?: readonly number[]; tenantId?: number | null } = {}): Promise<ApiTokenListing[]> {
  if (filter.principalIds && filter.principalIds.length === 0) return [];
  let query = db
    .selectFrom('api_tokens as t')
    .innerJoin('principals as p', 'p.id', 't.principal_id')
    .selectAll('t')
    .select(['p.login', 'p.tenant_id']);
  if (filter.principalIds) query = query.where('t.principal_id', 'in', filter.principalIds);
  if (filter.tenantId !== undefined && filter.tenantId !== null) query = query.where('p.tenant_id', '=', filter.tenantId);
  const rows = await query.orderBy('t.id').execute();
  return rows.map((r) => describeApiToken(r, { login: r.login, tenant_id: r.tenant_id }));
}

/** A token as lists show it: who owns it and what it may do, never its hash. */
export function describeApiToken(row: ApiTokenRow, owner: Pick<Principal, 'login' | 'tenant_id'>): ApiTokenListing {
  return {
    id: Number(row.id),
    principalId: Number(row.principal_id),
    owner: owner.login,
    tenantId: Number(owner.tenant_id),
    name: row.name,
    scopes: tokenScopes(row),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
  };
}

export async function findApiToken(db: Kysely<Database>, id: number): Promise<ApiTokenRow | null> {
  return (await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function deleteApiToken(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('api_tokens').where('id', '=', id).execute();
}

/** What the admin checks need to know about a token's owner: who, and the domain of its primary address (none for `admin`). */
export interface TokenOwner {
  principal: Principal;
  domain: Pick<Domain, 'id' | 'tenant_id' | 'alias_of_domain_id'> | null;
}

/** A principal by login name or any of its addresses. */
export async function findTokenOwner(db: Kysely<Database>, login: string): Promise<TokenOwner> {
  const name = login.trim().toLowerCase();
  const principal =
    (await db.selectFrom('principals').selectAll().where('login', '=', name).executeTakeFirst()) ??
    (await db.selectFrom('addresses as a').innerJoin('principals as p', 'p.id', 'a.principal_id').selectAll('p').where('a.address', '=', name).executeTakeFirst());
  if (!principal) throw new DirectoryError('not_found', `no such user: ${name}`, 'login');
  return { principal, domain: await primaryDomain(db, principal.id) };
}

export async function findTokenOwnerById(db: Kysely<Database>, principalId: number): Promise<TokenOwner | null> {
  const principal = await db.selectFrom('principals').selectAll().where('id', '=', principalId).executeTakeFirst();
  return principal ? { principal, domain: await primaryDomain(db, principal.id) } : null;
}

async function primaryDomain(db: Kysely<Database>, principalId: number): Promise<TokenOwner['domain']> {
  const row = await db
    .selectFrom('addresses as a')
    .innerJoin('domains as d', 'd.id', 'a.domain_id')
    .select(['d.id', 'd.tenant_id', 'd.alias_of_domain_id'])
    .where('a.principal_id', '=', principalId)
    .where('a.is_primary', '=', 1)
    .executeTakeFirst();
  return row ?? null;
}
