import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Sharing: RFC 4314 access control lists on mailboxes, so a shared mailbox (support@) or a
 * user's own folder can be read and worked by named colleagues; and the right to send as, or on
 * behalf of, another principal's address. The owner of a mailbox has every right implicitly and
 * never appears in `mailbox_acl`.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table mailbox_acl (
    mailbox_id ${sql.raw(big)} not null references mailboxes (id) on delete cascade,
    grantee_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    rights text not null,
    primary key (mailbox_id, grantee_id)
  )`.execute(db);
  // "What is shared with me": every LIST of a user who has been granted something.
  await sql`create index mailbox_acl_grantee on mailbox_acl (grantee_id)`.execute(db);
  await sql`create table send_rights (
    principal_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    grantee_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    kind text not null,
    primary key (principal_id, grantee_id, kind)
  )`.execute(db);
  await sql`create index send_rights_grantee on send_rights (grantee_id)`.execute(db);
}
