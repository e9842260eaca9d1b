import type { Kysely } from 'kysely';

import { releaseAccountBlobs } from '../mail/account-data.ts';
import { createDefaultMailboxes } from '../mail/mailboxes.ts';
import type { Database, Principal } from '../store/schema.ts';
import { unlockAccount } from './account-lockout.ts';
import { principalRow } from './principal-row.ts';
import { findAddressDomain, findDomain } from './domains.ts';
import { DirectoryError } from './errors.ts';
import { normalizeAddress } from './names.ts';
import { hashPassword } from './passwords.ts';

export interface NewUser {
  address: string;
  password: string;
  displayName?: string;
  /** Bytes; 0 or absent means unlimited. */
  quotaBytes?: number;
}

export const MIN_PASSWORD_LENGTH = 8;

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new DirectoryError('invalid', `password must be at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
  }
}

export async function addUser(db: Kysely<Database>, user: NewUser): Promise<Principal> {
  const { address, domain: domainName } = normalizeAddress(user.address);
  checkPassword(user.password);
  const domain = await findAddressDomain(db, domainName);
  const passwordHash = await hashPassword(user.password);
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('addresses').select('address').where('address', '=', address).executeTakeFirst()) {
      throw new DirectoryError('conflict', `address ${address} is already in use`, 'address');
    }
    const tenant = await trx.selectFrom('tenants').selectAll().where('id', '=', domain.tenant_id).executeTakeFirstOrThrow();
    if (tenant.max_users > 0) {
      const { n } = await trx
        .selectFrom('principals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenant.id)
        .where('kind', '=', 'user')
        .executeTakeFirstOrThrow();
      if (Number(n) >= tenant.max_users) throw new DirectoryError('limit', `tenant ${tenant.name} may have at most ${tenant.max_users} users`, 'address');
    }
    const principal = await trx
      .insertInto('principals')
      .values(principalRow({ tenant_id: domain.tenant_id, kind: 'user', login: address, display_name: user.displayName ?? '', password_hash: passwordHash, role: 'user', quota_bytes: user.quotaBytes ?? 0 }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('addresses').values({ address, domain_id: domain.id, principal_id: principal.id, is_primary: 1 }).execute();
    await createDefaultMailboxes(trx, principal.id);
    return principal;
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

export interface UserSummary {
  id: number;
  address: string;
  displayName: string;
  aliases: string[];
  quotaBytes: number;
  usedBytes: number;
  disabled: boolean;
}

export async function listUsers(db: Kysely<Database>, options: { domain?: string } = {}): Promise<UserSummary[]> {
  let query = db
    .selectFrom('principals as p')
    .innerJoin('addresses as a', 'a.principal_id', 'p.id')
    .select(['p.id', 'p.login', 'p.display_name', 'p.quota_bytes', 'p.used_bytes', 'p.disabled', 'a.address', 'a.is_primary'])
    .where('p.kind', '=', 'user');
  if (options.domain) {
    const domain = await findDomain(db, options.domain);
    query = query.where('p.id', 'in', db.selectFrom('addresses').select('principal_id').where('domain_id', '=', domain.id));
  }
  const rows = await query.orderBy('p.login').orderBy('a.address').execute();
  const users = new Map<number, UserSummary>();
  for (const row of rows) {
    let user = users.get(row.id);
    if (!user) {
      user = { id: row.id, address: row.login ?? row.address, displayName: row.display_name, aliases: [], quotaBytes: row.quota_bytes, usedBytes: row.used_bytes, disabled: row.disabled === 1 };
      users.set(row.id, user);
    }
    if (!row.is_primary) user.aliases.push(row.address);
  }
  return [...users.values()];
}

export async function setPassword(db: Kysely<Database>, address: string, password: string): Promise<void> {
  checkPassword(password);
  const user = await findUser(db, address);
  await db.updateTable('principals').set({ password_hash: await hashPassword(password) }).where('id', '=', user.id).execute();
  // A new password set by an administrator is how a locked-out user gets back in.
  await unlockAccount(db, user.id);
}

export async function setQuota(db: Kysely<Database>, address: string, quotaBytes: number): Promise<void> {
  const user = await findUser(db, address);
  await db.updateTable('principals').set({ quota_bytes: quotaBytes }).where('id', '=', user.id).execute();
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
