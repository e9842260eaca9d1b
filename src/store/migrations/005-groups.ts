import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Groups (distribution lists): a principal of kind 'group' gets a send policy, its members
 * (users or other groups, so nesting is a row pointing at another group) and, for the 'listed'
 * policy, the senders allowed to write to it. Addresses and aliases stay in `addresses`.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table groups (
    principal_id ${sql.raw(big)} primary key references principals(id) on delete cascade,
    send_policy text not null default 'anyone'
  )`.execute(db);
  await sql`create table group_members (
    group_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    member_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    primary key (group_id, member_id)
  )`.execute(db);
  // "Which groups contain X": the cycle check and removing a member everywhere.
  await sql`create index group_members_member on group_members (member_id)`.execute(db);
  await sql`create table group_senders (
    group_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    address text not null,
    primary key (group_id, address)
  )`.execute(db);
}
