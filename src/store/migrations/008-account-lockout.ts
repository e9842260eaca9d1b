import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Failed-login lockout per account, kept in the database so that every node and every protocol
 * counts the same failures. One row per account that has failed recently or is locked; a
 * success or `petrel user unlock` deletes it.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table account_lockouts (
    principal_id ${sql.raw(big)} primary key references principals (id) on delete cascade,
    failures integer not null default 0,
    first_failure_at ${sql.raw(big)} not null default 0,
    lockouts integer not null default 0,
    locked_until ${sql.raw(big)} not null default 0
  )`.execute(db);
}
