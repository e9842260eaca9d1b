import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { findAddressDomain } from './domains.ts';
import { DirectoryError } from './errors.ts';
import { normalizeAddress } from './names.ts';
import { findUser } from './users.ts';

/** Another address for an existing principal; mail to it lands in that principal's mailbox. */
export async function addAlias(db: Kysely<Database>, alias: string, target: string): Promise<void> {
  const { address, domain: domainName } = normalizeAddress(alias);
  const domain = await findAddressDomain(db, domainName);
  const principal = await findUser(db, target);
  if (principal.tenant_id !== domain.tenant_id) {
    throw new DirectoryError('invalid', `${address} and ${target} belong to different organisations`, 'target');
  }
  const taken = await db.selectFrom('addresses').select('address').where('address', '=', address).executeTakeFirst();
  if (taken) throw new DirectoryError('conflict', `address ${address} is already in use`, 'address');
  await db.insertInto('addresses').values({ address, domain_id: domain.id, principal_id: principal.id, is_primary: 0 }).execute();
}

export async function removeAlias(db: Kysely<Database>, alias: string): Promise<void> {
  const { address } = normalizeAddress(alias);
  const row = await db.selectFrom('addresses').select(['is_primary']).where('address', '=', address).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such alias: ${address}`, 'address');
  if (row.is_primary) throw new DirectoryError('invalid', `${address} is a primary address, not an alias; remove the user instead`, 'address');
  await db.deleteFrom('addresses').where('address', '=', address).execute();
}

/** Aliases (of users and groups alike) of one tenant, or at the given domains, or all. */
export async function listAliases(db: Kysely<Database>, filter: { tenantId?: number | null; domainIds?: readonly number[] } = {}): Promise<{ alias: string; target: string }[]> {
  let query = db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .innerJoin('addresses as primary', (join) => join.onRef('primary.principal_id', '=', 'p.id').on('primary.is_primary', '=', 1))
    .select(['a.address', 'primary.address as target'])
    .where('a.is_primary', '=', 0);
  if (filter.tenantId !== undefined && filter.tenantId !== null) query = query.where('p.tenant_id', '=', filter.tenantId);
  const ids = filter.domainIds;
  if (ids) {
    if (ids.length === 0) return [];
    query = query.where('a.domain_id', 'in', ids);
  }
  const rows = await query.orderBy('a.address').execute();
  return rows.map((r) => ({ alias: r.address, target: r.target }));
}
