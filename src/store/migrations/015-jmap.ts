import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * JMAP: uploaded blobs (RFC 8620 §6.1) belong to the account that uploaded them and hold one
 * reference on the blob until they expire, so the blob sweeper leaves them alone meanwhile; and
 * an index for Email/query's usual order, newest first across the account, which lets the 50
 * newest threads be read without sorting every message.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table jmap_uploads (
    account_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    blob_hash text not null,
    size ${sql.raw(big)} not null,
    created_at ${sql.raw(big)} not null,
    primary key (account_id, blob_hash)
  )`.execute(db);
  await sql`create index jmap_uploads_created on jmap_uploads (created_at)`.execute(db);
  await sql`create index messages_account_received on messages (account_id, received_at, id)`.execute(db);
}
