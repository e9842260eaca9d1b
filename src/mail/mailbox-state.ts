import { sql, type Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { FLAG_DELETED, FLAG_SEEN, formatFlags } from './flags.ts';

export interface FlagState {
  uid: number;
  flags: string[];
  modseq: number;
}

export interface MailboxStatus {
  messages: number;
  unseen: number;
  deleted: number;
  /** Messages no session has selected the mailbox since (IMAP4rev1 \Recent). */
  recent: number;
  size: number;
  uidnext: number;
  uidvalidity: number;
  highestModseq: number;
}

export interface MailboxChanges {
  changed: FlagState[];
  /** UIDs expunged after the given modseq, from the tombstones (RFC 7162 §3.2.7). */
  expunged: number[];
  highestModseq: number;
}

export async function mailboxStatus(db: Kysely<Database>, accountId: number, mailboxId: number): Promise<MailboxStatus> {
  const mailbox = await db.selectFrom('mailboxes').selectAll().where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirst();
  if (!mailbox) throw new MailError('not_found', `no mailbox ${mailboxId}`);
  const counts = await sql<{ messages: number; unseen: number | null; deleted: number | null; recent: number | null }>`select count(*) as messages,
      sum(case when (flags & ${FLAG_SEEN}) = 0 then 1 else 0 end) as unseen,
      sum(case when (flags & ${FLAG_DELETED}) <> 0 then 1 else 0 end) as deleted,
      sum(case when uid >= ${mailbox.recent_uid} then 1 else 0 end) as recent
    from mailbox_entries where mailbox_id = ${mailboxId}`.execute(db);
  const size = await sql<{ size: number | null }>`select sum(m.size) as size from mailbox_entries e join messages m on m.id = e.message_id where e.mailbox_id = ${mailboxId}`.execute(db);
  const row = counts.rows[0];
  return {
    messages: Number(row.messages),
    unseen: Number(row.unseen ?? 0),
    deleted: Number(row.deleted ?? 0),
    recent: Number(row.recent ?? 0),
    size: Number(size.rows[0].size ?? 0),
    uidnext: Number(mailbox.uidnext),
    uidvalidity: Number(mailbox.uidvalidity),
    highestModseq: Number(mailbox.highest_modseq),
  };
}

export async function changesSince(db: Kysely<Database>, accountId: number, mailboxId: number, modseq: number): Promise<MailboxChanges> {
  // HIGHESTMODSEQ is read first, so a write racing with the two queries below shows up again next time rather than never.
  const mailbox = await db.selectFrom('mailboxes').select('highest_modseq').where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirst();
  if (!mailbox) throw new MailError('not_found', `no mailbox ${mailboxId}`);
  const changed = await db.selectFrom('mailbox_entries').select(['uid', 'flags', 'keywords', 'modseq']).where('mailbox_id', '=', mailboxId).where('modseq', '>', modseq).orderBy('uid').execute();
  const expunged = await db.selectFrom('expunged_entries').select('uid').where('mailbox_id', '=', mailboxId).where('modseq', '>', modseq).orderBy('uid').execute();
  return {
    changed: changed.map((r) => ({ uid: Number(r.uid), flags: formatFlags(r.flags, r.keywords), modseq: Number(r.modseq) })),
    expunged: expunged.map((r) => Number(r.uid)),
    highestModseq: Number(mailbox.highest_modseq),
  };
}
