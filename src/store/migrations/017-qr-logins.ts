import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Sign-in by QR code (src/directory/qr-logins.ts): a desktop's request, known by a random id and a
 * secret of which only the SHA-256 is kept, that a signed-in phone approves or denies. Requests
 * live two minutes; the index on (remote_address, created_at) counts recent ones per address.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table qr_logins (
    id text primary key,
    secret_hash text not null,
    code text not null,
    status text not null,
    created_at ${sql.raw(big)} not null,
    expires_at ${sql.raw(big)} not null,
    remote_address text,
    user_agent text,
    approver_id ${sql.raw(big)} references principals (id) on delete cascade,
    decided_at ${sql.raw(big)},
    wrong_codes integer not null default 0
  )`.execute(db);
  await sql`create index qr_logins_address on qr_logins (remote_address, created_at)`.execute(db);
  await sql`create index qr_logins_expiry on qr_logins (expires_at)`.execute(db);
}
