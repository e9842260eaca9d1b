import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Domain aliases: a domain row whose every address is that of another domain (alice@b.com is
 * alice@a.com). Kept as a row of `domains` so MX acceptance, DNS records and tenancy need no
 * second lookup; the column names the target, which is never itself an alias.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await sql`alter table domains add column alias_of_domain_id integer references domains (id)`.execute(db);
  await sql`create index domains_alias_of on domains (alias_of_domain_id)`.execute(db);
}
