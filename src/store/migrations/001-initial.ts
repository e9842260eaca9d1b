import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * The first schema. Columns that hold counters, sizes and times are BIGINT on PostgreSQL (the pg
 * driver is told to read them as numbers) and INTEGER on SQLite, whose integers are 64-bit anyway.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  const id = (name = 'id') => (dialect === 'postgres' ? sql`${sql.ref(name)} bigserial primary key` : sql`${sql.ref(name)} integer primary key autoincrement`);
  const schema = db.schema;

  await schema.createTable('settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();

  await sql`create table tenants (
    ${id()},
    name text not null unique,
    max_users ${sql.raw(big)} not null default 0,
    max_domains ${sql.raw(big)} not null default 0,
    max_storage ${sql.raw(big)} not null default 0,
    created_at ${sql.raw(big)} not null
  )`.execute(db);

  await sql`create table org_units (
    ${id()},
    tenant_id ${sql.raw(big)} not null references tenants(id) on delete cascade,
    parent_id ${sql.raw(big)} references org_units(id) on delete cascade,
    name text not null
  )`.execute(db);

  await sql`create table principals (
    ${id()},
    tenant_id ${sql.raw(big)} not null references tenants(id) on delete cascade,
    kind text not null,
    login text unique,
    display_name text not null default '',
    password_hash text,
    role text not null default 'user',
    org_unit_id ${sql.raw(big)} references org_units(id) on delete set null,
    quota_bytes ${sql.raw(big)} not null default 0,
    used_bytes ${sql.raw(big)} not null default 0,
    modseq ${sql.raw(big)} not null default 0,
    disabled integer not null default 0,
    created_at ${sql.raw(big)} not null
  )`.execute(db);
  await sql`create index principals_tenant on principals (tenant_id, kind)`.execute(db);

  await sql`create table domains (
    ${id()},
    tenant_id ${sql.raw(big)} not null references tenants(id) on delete cascade,
    name text not null unique,
    catch_all_principal_id ${sql.raw(big)} references principals(id) on delete set null,
    created_at ${sql.raw(big)} not null
  )`.execute(db);

  await sql`create table dkim_keys (
    ${id()},
    domain_id ${sql.raw(big)} not null references domains(id) on delete cascade,
    selector text not null,
    algorithm text not null,
    private_key text not null,
    public_key text not null,
    active integer not null default 1,
    created_at ${sql.raw(big)} not null,
    unique (domain_id, selector)
  )`.execute(db);

  await sql`create table addresses (
    address text primary key,
    domain_id ${sql.raw(big)} not null references domains(id) on delete cascade,
    principal_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    is_primary integer not null default 0
  )`.execute(db);
  await sql`create index addresses_principal on addresses (principal_id)`.execute(db);

  await sql`create table blobs (
    hash text primary key,
    size ${sql.raw(big)} not null,
    refcount ${sql.raw(big)} not null,
    data ${sql.raw(blob)},
    created_at ${sql.raw(big)} not null
  )`.execute(db);

  await sql`create table mailboxes (
    ${id()},
    account_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    name text not null,
    special_use text,
    uidvalidity ${sql.raw(big)} not null,
    uidnext ${sql.raw(big)} not null default 1,
    highest_modseq ${sql.raw(big)} not null default 0,
    subscribed integer not null default 1,
    created_at ${sql.raw(big)} not null,
    unique (account_id, name)
  )`.execute(db);

  await sql`create table messages (
    ${id()},
    account_id ${sql.raw(big)} not null references principals(id) on delete cascade,
    blob_hash text not null,
    size ${sql.raw(big)} not null,
    received_at ${sql.raw(big)} not null,
    sent_at ${sql.raw(big)},
    subject text not null,
    base_subject text not null,
    from_addr text not null,
    to_addr text not null,
    message_id text,
    thread_id ${sql.raw(big)} not null,
    has_attachment integer not null,
    preview text not null,
    envelope text not null,
    body_structure text not null,
    header_size ${sql.raw(big)} not null
  )`.execute(db);
  await sql`create index messages_account_thread on messages (account_id, thread_id)`.execute(db);
  await sql`create index messages_blob on messages (blob_hash)`.execute(db);

  await sql`create table mailbox_entries (
    mailbox_id ${sql.raw(big)} not null references mailboxes(id) on delete cascade,
    uid ${sql.raw(big)} not null,
    message_id ${sql.raw(big)} not null references messages(id) on delete cascade,
    account_id ${sql.raw(big)} not null,
    modseq ${sql.raw(big)} not null,
    flags integer not null default 0,
    keywords text not null default '',
    primary key (mailbox_id, uid)
  )`.execute(db);
  await sql`create index mailbox_entries_message on mailbox_entries (message_id)`.execute(db);
  await sql`create index mailbox_entries_modseq on mailbox_entries (mailbox_id, modseq)`.execute(db);

  await sql`create table expunged_entries (
    mailbox_id ${sql.raw(big)} not null references mailboxes(id) on delete cascade,
    uid ${sql.raw(big)} not null,
    modseq ${sql.raw(big)} not null,
    primary key (mailbox_id, uid)
  )`.execute(db);

  await sql`create table changes (
    account_id ${sql.raw(big)} not null,
    modseq ${sql.raw(big)} not null,
    type text not null,
    object_id ${sql.raw(big)} not null,
    op integer not null
  )`.execute(db);
  await sql`create index changes_account on changes (account_id, modseq)`.execute(db);

  await sql`create table thread_refs (
    account_id ${sql.raw(big)} not null,
    ref text not null,
    thread_id ${sql.raw(big)} not null,
    primary key (account_id, ref)
  )`.execute(db);

  await sql`create table queue_messages (
    ${id()},
    tenant_id ${sql.raw(big)},
    principal_id ${sql.raw(big)},
    sender text not null,
    blob_hash text not null,
    size ${sql.raw(big)} not null,
    envelope_id text,
    ret text,
    created_at ${sql.raw(big)} not null,
    expires_at ${sql.raw(big)} not null
  )`.execute(db);

  await sql`create table queue_recipients (
    ${id()},
    queue_message_id ${sql.raw(big)} not null references queue_messages(id) on delete cascade,
    recipient text not null,
    domain text not null,
    orcpt text,
    notify text,
    status text not null,
    attempts integer not null default 0,
    next_attempt_at ${sql.raw(big)} not null,
    last_attempt_at ${sql.raw(big)},
    last_error text,
    remote_mta text,
    delay_notified integer not null default 0,
    locked_until ${sql.raw(big)} not null default 0,
    locked_by text
  )`.execute(db);
  await sql`create index queue_recipients_due on queue_recipients (status, next_attempt_at)`.execute(db);
  await sql`create index queue_recipients_message on queue_recipients (queue_message_id)`.execute(db);

  // Full-text index: SQLite's FTS5 without a content copy (the text lives in the blobs), or a
  // tsvector per message on PostgreSQL with the language-neutral 'simple' configuration.
  if (dialect === 'sqlite') {
    await sql`create virtual table message_fts using fts5(subject, addresses, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`.execute(db);
  } else {
    await sql`create table message_fts (message_id bigint primary key references messages(id) on delete cascade, doc tsvector not null)`.execute(db);
    await sql`create index message_fts_doc on message_fts using gin (doc)`.execute(db);
  }
}
