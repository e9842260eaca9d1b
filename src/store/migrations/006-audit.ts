import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * The audit log: every admin action and every login. Queried newest first over a time range,
 * across the installation (at) or within one organisation (tenant_id, at). No foreign keys: a
 * record outlives the tenant, user or domain it names.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const id = dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table audit_log (
    id ${sql.raw(id)},
    tenant_id ${sql.raw(big)},
    at ${sql.raw(big)} not null,
    actor text not null,
    action text not null,
    target text,
    remote_address text,
    protocol text,
    details text not null default '{}'
  )`.execute(db);
  await sql`create index audit_log_at on audit_log (at)`.execute(db);
  await sql`create index audit_log_tenant_at on audit_log (tenant_id, at)`.execute(db);
}
