import type { Kysely } from 'kysely';

import type { Database, Domain } from '../store/schema.ts';
import { generateDkimKey, selectorFor } from './dkim-keys.ts';
import { DirectoryError } from './errors.ts';
import { normalizeDomain } from './names.ts';
import { ensureDefaultTenant, findTenant, lockTenant } from './tenants.ts';

export async function addDomain(db: Kysely<Database>, name: string, options: { tenant?: string } = {}): Promise<Domain> {
  const domainName = normalizeDomain(name);
  const tenant = options.tenant ? await findTenant(db, options.tenant) : await ensureDefaultTenant(db);
  // Generated before the transaction: RSA key generation takes a moment and must not hold a write lock.
  const key = await generateDkimKey(selectorFor(new Date()));
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('domains').select('id').where('name', '=', domainName).executeTakeFirst()) {
      throw new DirectoryError('conflict', `domain ${domainName} already exists`, 'domain');
    }
    await checkDomainLimit(trx, tenant.id);
    const domain = await trx
      .insertInto('domains')
      .values({ tenant_id: tenant.id, name: domainName, catch_all_principal_id: null, created_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('dkim_keys')
      .values({ domain_id: domain.id, selector: key.selector, algorithm: key.algorithm, private_key: key.privateKey, public_key: key.publicKey, active: 1, created_at: Date.now() })
      .execute();
    return domain;
  });
}

/** max_domains counts every domain of the tenant, alias domains included. */
async function checkDomainLimit(trx: Kysely<Database>, tenantId: number): Promise<void> {
  const tenant = await lockTenant(trx, tenantId);
  if (tenant.max_domains === 0) return;
  const { n } = await trx.selectFrom('domains').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  if (Number(n) >= tenant.max_domains) throw new DirectoryError('limit', `tenant ${tenant.name} may have at most ${tenant.max_domains} domains`, 'domain');
}

export async function findDomain(db: Kysely<Database>, name: string): Promise<Domain> {
  const domainName = normalizeDomain(name);
  const domain = await db.selectFrom('domains').selectAll().where('name', '=', domainName).executeTakeFirst();
  if (!domain) throw new DirectoryError('not_found', `no such domain: ${domainName}`, 'domain');
  return domain;
}

/**
 * A domain addresses can be created in: an alias domain has none of its own (every address of
 * its target answers there), so one created at it could never receive mail.
 */
export async function findAddressDomain(db: Kysely<Database>, name: string): Promise<Domain> {
  const domain = await findDomain(db, name);
  if (domain.alias_of_domain_id !== null) {
    const target = await db.selectFrom('domains').select('name').where('id', '=', domain.alias_of_domain_id).executeTakeFirst();
    throw new DirectoryError('invalid', `${domain.name} is an alias of ${target?.name ?? 'another domain'}; add the address at ${target?.name ?? 'that domain'} instead`, 'domain');
  }
  return domain;
}

export interface DomainSummary {
  id: number;
  name: string;
  tenantId: number;
  tenant: string;
  addresses: number;
  catchAll: string | null;
  /** For an alias domain: the domain whose addresses it mirrors. */
  aliasOf: string | null;
  createdAt: number;
}

/** Every domain, or those of one tenant, or (for a domain admin) the given domains and their aliases. */
export async function listDomains(db: Kysely<Database>, filter: { tenantId?: number | null; domainIds?: readonly number[] } = {}): Promise<DomainSummary[]> {
  let query = db
    .selectFrom('domains as d')
    .innerJoin('tenants as t', 't.id', 'd.tenant_id')
    .leftJoin('principals as c', 'c.id', 'd.catch_all_principal_id')
    .leftJoin('domains as target', 'target.id', 'd.alias_of_domain_id')
    .select((eb) => [
      'target.name as alias_of',
      'd.id',
      'd.tenant_id',
      'd.name',
      't.name as tenant',
      'd.created_at',
      'c.login as catch_all',
      eb.selectFrom('addresses as a').whereRef('a.domain_id', '=', 'd.id').select(eb.fn.countAll<number>().as('n')).as('addresses'),
    ]);
  if (filter.tenantId !== undefined && filter.tenantId !== null) query = query.where('d.tenant_id', '=', filter.tenantId);
  const ids = filter.domainIds;
  if (ids) {
    if (ids.length === 0) return [];
    query = query.where((eb) => eb.or([eb('d.id', 'in', ids), eb('d.alias_of_domain_id', 'in', ids)]));
  }
  const rows = await query.orderBy('d.name').execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, tenantId: Number(r.tenant_id), tenant: r.tenant, addresses: Number(r.addresses ?? 0), catchAll: r.catch_all ?? null, aliasOf: r.alias_of ?? null, createdAt: r.created_at }));
}

/** Refuses to remove a domain that still has addresses unless forced, so no mailbox is orphaned by accident. */
export async function removeDomain(db: Kysely<Database>, name: string, options: { force?: boolean } = {}): Promise<void> {
  const domain = await findDomain(db, name);
  const aliases = await db.selectFrom('domains').select('name').where('alias_of_domain_id', '=', domain.id).orderBy('name').execute();
  if (aliases.length > 0) {
    throw new DirectoryError('conflict', `domain ${domain.name} is the target of alias domain(s) ${aliases.map((a) => a.name).join(', ')}; remove them first (petrel domain alias-remove)`, 'domain');
  }
  const { n } = await db.selectFrom('addresses').select((eb) => eb.fn.countAll<number>().as('n')).where('domain_id', '=', domain.id).executeTakeFirstOrThrow();
  if (Number(n) > 0 && !options.force) {
    throw new DirectoryError('conflict', `domain ${domain.name} still has ${n} address(es); remove them first or use --force`, 'domain');
  }
  await db.deleteFrom('domains').where('id', '=', domain.id).execute();
}

export async function setCatchAll(db: Kysely<Database>, domainName: string, principalId: number | null): Promise<void> {
  const domain = await findAddressDomain(db, domainName);
  await db.updateTable('domains').set({ catch_all_principal_id: principalId }).where('id', '=', domain.id).execute();
}

/**
 * Makes ALIAS a domain whose every address is the same-named address of TARGET (mail to
 * alice@ALIAS reaches alice@TARGET, with TARGET's +detail and catch-all rules). The alias joins
 * TARGET's organisation; an alias of an alias is refused so resolution is always one hop.
 */
export async function addDomainAlias(db: Kysely<Database>, aliasName: string, targetName: string): Promise<Domain> {
  const alias = normalizeDomain(aliasName);
  const target = await findDomain(db, targetName);
  if (target.name === alias) throw new DirectoryError('invalid', `a domain cannot be an alias of itself`, 'domain');
  if (target.alias_of_domain_id !== null) {
    throw new DirectoryError('invalid', `${target.name} is itself an alias domain; point ${alias} at its target instead`, 'target');
  }
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('domains').select('id').where('name', '=', alias).executeTakeFirst()) {
      throw new DirectoryError('conflict', `domain ${alias} already exists`, 'domain');
    }
    await checkDomainLimit(trx, target.tenant_id);
    return trx
      .insertInto('domains')
      .values({ tenant_id: target.tenant_id, name: alias, catch_all_principal_id: null, alias_of_domain_id: target.id, created_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Removes an alias domain (only an alias: a real domain goes through removeDomain). */
export async function removeDomainAlias(db: Kysely<Database>, aliasName: string): Promise<Domain> {
  const alias = await findDomain(db, aliasName);
  if (alias.alias_of_domain_id === null) {
    throw new DirectoryError('invalid', `${alias.name} is not an alias domain; use petrel domain remove`, 'domain');
  }
  await db.deleteFrom('domains').where('id', '=', alias.id).execute();
  return alias;
}
