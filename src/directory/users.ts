import { PostgresAdapter, sql, type Kysely } from 'kysely';

import { releaseAccountBlobs } from '../mail/account-data.ts';
import type { Database, Principal } from '../store/schema.ts';
import { unlockAccount } from './account-lockout.ts';
import { insertMailAccount, principalRow } from './principal-row.ts';
import { findAddressDomain, findDomain } from './domains.ts';
import { DirectoryError } from './errors.ts';
import { lockTenant } from './tenants.ts';
import { normalizeAddress } from './names.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import { revokeAllWebSessions } from './web-sessions.ts';

export interface NewUser {
  address: string;
  password: string;
  displayName?: string;
  /** Bytes; 0 means unlimited; absent means the domain's default quota (unlimited unless set). */
  quotaBytes?: number;
}

export async function addUser(db: Kysely<Database>, user: NewUser): Promise<Principal> {
  const { address, domain: domainName } = normalizeAddress(user.address);
  const domain = await findAddressDomain(db, domainName);
  await checkPasswordPolicy(db, domain.tenant_id, user.password, { login: address });
  const passwordHash = await hashPassword(user.password);
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('addresses').select('address').where('address', '=', address).executeTakeFirst()) {
      throw new DirectoryError('conflict', `address ${address} is already in use`, 'address');
    }
    // max_users counts principals of kind 'user' only: shared mailboxes, groups and resources are free.
    const tenant = await lockTenant(trx, domain.tenant_id);
    if (tenant.max_users > 0) {
      const { n } = await trx
        .selectFrom('principals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenant.id)
        .where('kind', '=', 'user')
        .executeTakeFirstOrThrow();
      if (Number(n) >= tenant.max_users) throw new DirectoryError('limit', `tenant ${tenant.name} may have at most ${tenant.max_users} users`, 'address');
    }
    const row = principalRow({ tenant_id: domain.tenant_id, kind: 'user', login: address, display_name: user.displayName ?? '', password_hash: passwordHash, role: 'user', quota_bytes: user.quotaBytes ?? domain.default_quota_bytes });
    return insertMailAccount(trx, { ...row, password_changed_at: Date.now() }, address, domain.id);
  });
}

export async function findUser(db: Kysely<Database>, address: string): Promise<Principal> {
  const { address: normalized } = normalizeAddress(address);
  const row = await db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .selectAll('p')
    .where('a.address', '=', normalized)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such user: ${normalized}`, 'address');
  return row;
}

export async function findUserById(db: Kysely<Database>, id: number): Promise<Principal> {
  const row = await db.selectFrom('principals').selectAll().where('id', '=', id).where('kind', '=', 'user').executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such user: #${id}`, 'user');
  return row;
}

/** A principal that may act (exists, not disabled), by id: what a session token names. */
export async function findActivePrincipal(db: Kysely<Database>, id: number): Promise<{ id: number; login: string | null } | null> {
  const row = await db.selectFrom('principals').select(['id', 'login', 'disabled']).where('id', '=', id).executeTakeFirst();
  return row && !row.disabled ? { id: Number(row.id), login: row.login } : null;
}

export interface UserSummary {
  id: number;
  address: string;
  displayName: string;
  aliases: string[];
  quotaBytes: number;
  usedBytes: number;
  disabled: boolean;
}

export interface UserPageFilter {
  /** Only this tenant's users. */
  tenantId?: number | null;
  /** Only users whose primary address is at one of these domains. */
  domainIds?: readonly number[];
  /** Case-insensitive substring of the address or the display name. */
  query?: string;
  /** The address the previous page ended with (keyset pagination). */
  after?: string;
  limit: number;
}

/** `%` and `_` in a search are literal characters, not patterns. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of users ordered by primary address. Keyset pagination (`address > after`) reads
 * only the page from the (tenant_id, kind, login) index however deep the page is, unlike OFFSET;
 * the search is a substring match served by trigram indexes on PostgreSQL.
 */
export async function listUserPage(db: Kysely<Database>, filter: UserPageFilter): Promise<{ items: UserSummary[]; next: string | null }> {
  // SQLite with a search of 3 characters or more: the trigram table (migration 9) finds the rows,
  // and the unary + keeps the planner from walking the login index instead (its ORDER BY would
  // otherwise win); the LIKE below still decides. PostgreSQL's trigram indexes serve the LIKE.
  const trigrams = filter.query !== undefined && filter.query.length >= 3 && !(db.getExecutor().adapter instanceof PostgresAdapter);
  const col = (name: 'p.kind' | 'p.login' | 'p.tenant_id') => (trigrams ? sql`+${sql.ref(name)}` : sql.ref(name));
  let query = db
    .selectFrom('principals as p')
    .innerJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.id', 'p.login', 'p.display_name', 'p.quota_bytes', 'p.used_bytes', 'p.disabled', 'a.address'])
    .where(col('p.kind'), '=', 'user')
    .where(col('p.login'), 'is not', null);
  if (filter.tenantId !== undefined && filter.tenantId !== null) query = query.where(col('p.tenant_id'), '=', filter.tenantId);
  const ids = filter.domainIds;
  if (ids) {
    if (ids.length === 0) return { items: [], next: null };
    query = query.where('a.domain_id', 'in', ids);
  }
  if (filter.query) {
    const pattern = likePattern(filter.query);
    query = query.where((eb) => eb.or([sql<boolean>`${eb.ref('p.login')} like ${pattern} escape '\\'`, sql<boolean>`lower(${eb.ref('p.display_name')}) like ${pattern} escape '\\'`]));
    if (trigrams) query = query.where('p.id', 'in', sql<number>`(select rowid from principal_search where principal_search match ${`"${filter.query.replace(/"/g, '""')}"`})`);
  }
  if (filter.after !== undefined) query = query.where(col('p.login'), '>', filter.after);
  const rows = await query.orderBy(col('p.login')).limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const aliases = page.length === 0 ? [] : await db.selectFrom('addresses').select(['principal_id', 'address']).where('principal_id', 'in', page.map((r) => r.id)).where('is_primary', '=', 0).orderBy('address').execute();
  const items = page.map((row) => ({
    id: Number(row.id),
    address: row.login ?? row.address,
    displayName: row.display_name,
    aliases: aliases.filter((a) => Number(a.principal_id) === Number(row.id)).map((a) => a.address),
    quotaBytes: Number(row.quota_bytes),
    usedBytes: Number(row.used_bytes),
    disabled: row.disabled === 1,
  }));
  return { items, next: rows.length > filter.limit ? (page[page.length - 1].login ?? null) : null };
}

export async function updateUser(db: Kysely<Database>, id: number, changes: { displayName?: string; quotaBytes?: number; disabled?: boolean }): Promise<void> {
  if (changes.quotaBytes !== undefined && (!Number.isSafeInteger(changes.quotaBytes) || changes.quotaBytes < 0)) {
    throw new DirectoryError('invalid', 'quota must be a whole number of bytes, 0 for unlimited', 'quotaBytes');
  }
  const set: { display_name?: string; quota_bytes?: number; disabled?: number } = {};
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.quotaBytes !== undefined) set.quota_bytes = changes.quotaBytes;
  if (changes.disabled !== undefined) set.disabled = changes.disabled ? 1 : 0;
  if (Object.keys(set).length > 0) await db.updateTable('principals').set(set).where('id', '=', id).execute();
}

export async function setPassword(db: Kysely<Database>, address: string, password: string): Promise<void> {
  const user = await findUser(db, address);
  await checkPasswordPolicy(db, user.tenant_id, password, { login: user.login });
  await db.updateTable('principals').set({ password_hash: await hashPassword(password), password_changed_at: Date.now() }).where('id', '=', user.id).execute();
  // A new password set by an administrator is how a locked-out user gets back in; it also ends every web session.
  await unlockAccount(db, user.id);
  await revokeAllWebSessions(db, user.id);
}

/** Deletes a user with all their mail; the shared message bytes are released, not destroyed. */
export async function removeUser(db: Kysely<Database>, address: string): Promise<void> {
  const user = await findUser(db, address);
  if (user.login !== normalizeAddress(address).address) {
    throw new DirectoryError('invalid', `${address} is an alias of ${user.login}; remove the alias or the user ${user.login}`, 'address');
  }
  await db.transaction().execute(async (trx) => {
    await releaseAccountBlobs(trx, user.id);
    await trx.updateTable('domains').set({ catch_all_principal_id: null }).where('catch_all_principal_id', '=', user.id).execute();
    await trx.deleteFrom('principals').where('id', '=', user.id).execute();
  });
}
