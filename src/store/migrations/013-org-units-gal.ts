import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Org units, the global address list and default quotas.
 *
 * - `org_units.path` is the unit's full path (`Engineering/Backend`), kept by directory/org-units.ts
 *   on every create, rename and move, so the GAL shows a department and the subtree of a unit is
 *   "this path or a path under it" without walking the tree. Paths are unique per tenant without
 *   regard to case, which also makes sibling names unique.
 * - Principals get GAL attributes: a title, a phone and whether they are hidden from the GAL.
 * - Domains get the quota a new user of theirs starts with.
 * - A group can have an org unit as a member (dynamic membership), with or without its sub-units.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`alter table org_units add column path text not null default ''`.execute(db);
  // Nothing wrote org_units before this version, so any unit there is at the top: its path is its name.
  await sql`update org_units set path = name`.execute(db);
  await sql`create unique index org_units_path on org_units (tenant_id, lower(path))`.execute(db);
  await sql`create index org_units_parent on org_units (parent_id)`.execute(db);

  await sql`alter table principals add column title text not null default ''`.execute(db);
  await sql`alter table principals add column phone text not null default ''`.execute(db);
  await sql`alter table principals add column hidden_from_gal integer not null default 0`.execute(db);
  // Members of a unit, and usage per unit.
  await sql`create index principals_org_unit on principals (org_unit_id)`.execute(db);
  // The GAL is read in name order per tenant, a page at a time: this index is that order, so a
  // page is an index seek and walk that stops after `limit` hits. It also holds every column a
  // search filters on, so a search that matches little reads the index alone, not the table.
  await sql`create index principals_gal on principals (tenant_id, lower(display_name), id, lower(title), org_unit_id, kind, hidden_from_gal, disabled)`.execute(db);
  if (dialect === 'postgres') {
    // Substring search of titles and addresses (names are served by migration 9's principals_search).
    await sql`create index principals_gal_title on principals using gin (lower(title) gin_trgm_ops)`.execute(db);
    await sql`create index addresses_search on addresses using gin (address gin_trgm_ops)`.execute(db);
  }

  await sql`alter table domains add column default_quota_bytes ${sql.raw(big)} not null default 0`.execute(db);

  await sql`create table group_unit_members (
    group_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    unit_id ${sql.raw(big)} not null references org_units(id) on delete cascade,
    include_subunits integer not null default 1,
    primary key (group_id, unit_id)
  )`.execute(db);
  await sql`create index group_unit_members_unit on group_unit_members (unit_id)`.execute(db);
}
