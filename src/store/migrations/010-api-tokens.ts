import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * API tokens for the admin HTTP API. Only the SHA-256 of the secret is kept: the secret is shown
 * once when the token is made, so a copy of the database does not hand out working credentials.
 * A token dies with its owner (on delete cascade).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const id = dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table api_tokens (
    id ${sql.raw(id)},
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    name text not null,
    token_hash text not null,
    scopes text not null,
    created_at ${sql.raw(big)} not null,
    last_used_at ${sql.raw(big)},
    expires_at ${sql.raw(big)}
  )`.execute(db);
  // One name per owner, so `token list` tells tokens apart; also "the tokens of X".
  await sql`create unique index api_tokens_principal_name on api_tokens (principal_id, name)`.execute(db);
}
