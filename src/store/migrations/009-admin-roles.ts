import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Delegated administration and what it needs to stay fast at 100,000 users:
 * - `admin_domains`: the domains a domain admin administers (its role is on `principals`);
 * - a display name per tenant, for consoles and `petrel tenant list`;
 * - DKIM rotation: a new key is published before it signs (`activate_at`), the old one stays
 *   published for a while after it stops (`retire_at`), see directory/dkim-keys.ts;
 * - indexes for keyset pagination of users per tenant and per domain, and (PostgreSQL) trigram
 *   indexes (an FTS5 trigram table on SQLite) so that a substring search of logins and names
 *   need not read every row.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table admin_domains (
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    domain_id ${sql.raw(big)} not null references domains (id) on delete cascade,
    primary key (principal_id, domain_id)
  )`.execute(db);
  await sql`create index admin_domains_domain on admin_domains (domain_id)`.execute(db);

  await sql`alter table tenants add column display_name text not null default ''`.execute(db);

  await sql`alter table dkim_keys add column activate_at ${sql.raw(big)}`.execute(db);
  await sql`alter table dkim_keys add column retire_at ${sql.raw(big)}`.execute(db);

  await sql`create index principals_tenant_login on principals (tenant_id, kind, login)`.execute(db);
  await sql`create index principals_kind_login on principals (kind, login)`.execute(db);
  await sql`create index addresses_domain on addresses (domain_id, address)`.execute(db);
  if (dialect === 'postgres') {
    // pg_trgm was created by migration 3 for message search.
    await sql`create index principals_search on principals using gin (login gin_trgm_ops, lower(display_name) gin_trgm_ops)`.execute(db);
  } else {
    // A trigram index over the principals' login and name, kept in step by triggers. Only changes
    // of those two columns fire them, not the frequent modseq and used_bytes updates.
    await sql`create virtual table principal_search using fts5(login, display_name, content='principals', content_rowid='id', tokenize='trigram')`.execute(db);
    await sql`insert into principal_search (principal_search) values ('rebuild')`.execute(db);
    await sql`create trigger principal_search_insert after insert on principals begin
      insert into principal_search (rowid, login, display_name) values (new.id, new.login, new.display_name);
    end`.execute(db);
    await sql`create trigger principal_search_delete after delete on principals begin
      insert into principal_search (principal_search, rowid, login, display_name) values ('delete', old.id, old.login, old.display_name);
    end`.execute(db);
    await sql`create trigger principal_search_update after update of login, display_name on principals begin
      insert into principal_search (principal_search, rowid, login, display_name) values ('delete', old.id, old.login, old.display_name);
      insert into principal_search (rowid, login, display_name) values (new.id, new.login, new.display_name);
    end`.execute(db);
  }
}
