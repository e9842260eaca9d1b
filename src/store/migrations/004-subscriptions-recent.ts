import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * Subscriptions become a list of names of their own: RFC 9051 §6.3.7 lets a client subscribe to a
 * name that does not exist, and a subscription outlives a deleted mailbox. Mailboxes get the
 * first UID not yet claimed as \Recent (IMAP4rev1), and accounts a UIDVALIDITY counter so a
 * mailbox re-created within the same second still gets a new one.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table subscriptions (
    account_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    name text not null,
    primary key (account_id, name)
  )`.execute(db);
  await sql`insert into subscriptions (account_id, name) select account_id, name from mailboxes where subscribed = 1`.execute(db);
  await sql`alter table mailboxes drop column subscribed`.execute(db);
  // Messages already there when this runs are not new to anyone.
  await sql`alter table mailboxes add column recent_uid ${sql.raw(big)} not null default 1`.execute(db);
  await sql`update mailboxes set recent_uid = uidnext`.execute(db);
  await sql`alter table principals add column last_uidvalidity ${sql.raw(big)} not null default 0`.execute(db);
}
