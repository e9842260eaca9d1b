import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Mail traffic per tenant and hour, for the admin dashboard: one counter row per (tenant, hour),
 * bumped by an upsert in the delivery commit (src/mail/traffic-stats.ts). Counting from the
 * message tables instead would need to tell a delivery from a Sent copy or an APPEND, and scan
 * them; the counters cost one small write per commit and a 168-row read per chart.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table traffic_stats (
    tenant_id ${sql.raw(big)} not null references tenants (id) on delete cascade,
    hour ${sql.raw(big)} not null,
    received ${sql.raw(big)} not null default 0,
    sent ${sql.raw(big)} not null default 0,
    primary key (tenant_id, hour)
  )`.execute(db);
  await sql`create index traffic_stats_hour on traffic_stats (hour)`.execute(db);
}
