import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Account security: web sessions (only a hash of each token is kept), TOTP second factor with
 * single-use recovery codes, app passwords limited to chosen protocols, the tenant's password
 * policy, and when each principal last changed its password (for expiry).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement';
  await sql`create table web_sessions (
    id ${sql.raw(id)},
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    token_hash text not null unique,
    created_at ${sql.raw(big)} not null,
    last_seen_at ${sql.raw(big)} not null,
    remote_address text,
    user_agent text
  )`.execute(db);
  await sql`create index web_sessions_principal on web_sessions (principal_id)`.execute(db);
  await sql`create table totp (
    principal_id ${sql.raw(big)} primary key references principals (id) on delete cascade,
    secret text not null,
    created_at ${sql.raw(big)} not null,
    confirmed_at ${sql.raw(big)},
    last_step ${sql.raw(big)} not null default 0
  )`.execute(db);
  await sql`create table recovery_codes (
    id ${sql.raw(id)},
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    code_hash text not null,
    used_at ${sql.raw(big)}
  )`.execute(db);
  await sql`create index recovery_codes_principal on recovery_codes (principal_id, code_hash)`.execute(db);
  await sql`create table app_passwords (
    id ${sql.raw(id)},
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    name text not null,
    hash text not null,
    protocols text not null,
    created_at ${sql.raw(big)} not null,
    last_used_at ${sql.raw(big)}
  )`.execute(db);
  await sql`create index app_passwords_principal on app_passwords (principal_id)`.execute(db);
  await sql`alter table tenants add column password_min_length integer not null default 8`.execute(db);
  await sql`alter table tenants add column password_max_age_days integer not null default 0`.execute(db);
  await sql`alter table tenants add column password_breached_check integer not null default 1`.execute(db);
  // 0 means "not known": expiry then counts from the principal's creation.
  await sql`alter table principals add column password_changed_at ${sql.raw(big)} not null default 0`.execute(db);
}
