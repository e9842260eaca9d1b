import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * JMAP submission and vacation (RFC 8621 §6, §7, §8): identities the user created or edited
 * (the ones derived from their addresses need no row until edited), their EmailSubmissions with
 * a per-account sequence for EmailSubmission/changes, the VacationResponse singleton, and whom a
 * vacation reply went to when (RFC 3834 §2: at most one per sender per period).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const serial = dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement';
  await sql`create table jmap_identities (
    account_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    identity_id text not null,
    email text not null,
    name text not null default '',
    reply_to text,
    bcc text,
    text_signature text not null default '',
    html_signature text not null default '',
    extra integer not null default 0,
    primary key (account_id, identity_id)
  )`.execute(db);
  await sql`create table jmap_submissions (
    id ${sql.raw(serial)},
    account_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    identity_id text not null,
    email_id text not null,
    thread_id text not null,
    envelope text not null,
    send_at ${sql.raw(big)} not null,
    delivery_status text not null,
    created_seq ${sql.raw(big)} not null,
    seq ${sql.raw(big)} not null,
    destroyed integer not null default 0
  )`.execute(db);
  await sql`create index jmap_submissions_account_seq on jmap_submissions (account_id, seq)`.execute(db);
  await sql`create table vacation_responses (
    account_id ${sql.raw(big)} primary key references principals (id) on delete cascade,
    is_enabled integer not null default 0,
    from_date ${sql.raw(big)},
    to_date ${sql.raw(big)},
    subject text,
    text_body text,
    html_body text,
    seq ${sql.raw(big)} not null default 0
  )`.execute(db);
  await sql`create table vacation_replies (
    account_id ${sql.raw(big)} not null references principals (id) on delete cascade,
    sender text not null,
    sent_at ${sql.raw(big)} not null,
    primary key (account_id, sender)
  )`.execute(db);
}
