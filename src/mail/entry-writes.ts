import { sql, type Kysely } from 'kysely';

import { releaseBlob } from '../store/blob-store.ts';
import type { FullTextIndex } from '../store/fulltext.ts';
import type { ChangeType, Database } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { CHANGE_DESTROYED, CHANGE_UPDATED, recordChanges } from './modseq.ts';
import { chunked, eachRangeChunk, forRangeChunks } from './uid-ranges.ts';

// Rows per multi-row INSERT and ids per IN list: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const ROWS_PER_INSERT = 1000;
const IDS_PER_QUERY = 1000;

export interface EntryRow {
  uid: number;
  message_id: number;
  flags: number;
  keywords: string;
  modseq: number;
}

/** The account's entries at these UIDs of one mailbox, ascending by UID; UIDs that do not exist are left out. */
export async function selectEntries(trx: Kysely<Database>, accountId: number, mailboxId: number, uids: readonly number[]): Promise<EntryRow[]> {
  return forRangeChunks('uid', uids, (inRanges) =>
    trx
      .selectFrom('mailbox_entries')
      .select(['uid', 'message_id', 'flags', 'keywords', 'modseq'])
      .where('mailbox_id', '=', mailboxId)
      .where('account_id', '=', accountId)
      .where(inRanges)
      .orderBy('uid')
      .execute(),
    (row) => Number(row.uid),
  );
}

export async function recordManyChanges(trx: Kysely<Database>, accountId: number, modseq: number, changes: { type: ChangeType; objectId: number; op: number }[]): Promise<void> {
  for (const slice of chunked(changes, ROWS_PER_INSERT)) await recordChanges(trx, accountId, modseq, slice);
}

/** Checks that the mailbox is the account's and returns its row, locked by the caller's writes. */
export async function ownedMailbox(trx: Kysely<Database>, accountId: number, mailboxId: number): Promise<{ id: number; uidvalidity: number }> {
  const row = await trx.selectFrom('mailboxes').select(['id', 'uidvalidity']).where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirst();
  if (!row) throw new MailError('not_found', `no mailbox ${mailboxId}`);
  return { id: Number(row.id), uidvalidity: Number(row.uidvalidity) };
}

/**
 * Deletes entries of one mailbox. A message whose last entry goes is deleted with its index row,
 * its quota charge and its blob reference (the bytes go after commit). With `tombstones`, the UIDs
 * are kept in expunged_entries for QRESYNC (RFC 7162 §3.2.7); a mailbox being deleted needs none.
 * Records the Email changes; the caller records the Mailbox ones.
 */
export async function removeEntries(
  trx: Kysely<Database>,
  fulltext: FullTextIndex,
  accountId: number,
  mailboxId: number,
  rows: readonly Pick<EntryRow, 'uid' | 'message_id'>[],
  modseq: number,
  tombstones: boolean,
): Promise<void> {
  const uids = rows.map((r) => Number(r.uid));
  await eachRangeChunk('uid', uids, (inRanges) => trx.deleteFrom('mailbox_entries').where('mailbox_id', '=', mailboxId).where(inRanges).execute());
  if (tombstones) {
    for (const slice of chunked(uids, ROWS_PER_INSERT)) {
      await trx.insertInto('expunged_entries').values(slice.map((uid) => ({ mailbox_id: mailboxId, uid, modseq }))).execute();
    }
  }
  const messageIds = [...new Set(rows.map((r) => Number(r.message_id)))];
  const stillUsed = new Set<number>();
  for (const slice of chunked(messageIds, IDS_PER_QUERY)) {
    const used = await trx.selectFrom('mailbox_entries').select('message_id').distinct().where('message_id', 'in', slice).execute();
    for (const r of used) stillUsed.add(Number(r.message_id));
  }
  const orphans = messageIds.filter((id) => !stillUsed.has(id));
  let freed = 0;
  const threads = new Set<number>();
  for (const slice of chunked(orphans, IDS_PER_QUERY)) {
    const messages = await trx.selectFrom('messages').select(['id', 'blob_hash', 'size', 'thread_id']).where('id', 'in', slice).execute();
    freed += messages.reduce((sum, m) => sum + Number(m.size), 0);
    for (const m of messages) threads.add(Number(m.thread_id));
    await fulltext.remove(trx, slice);
    await trx.deleteFrom('messages').where('id', 'in', slice).execute();
    for (const m of messages) await releaseBlob(trx, m.blob_hash);
  }
  if (freed > 0) {
    await trx
      .updateTable('principals')
      .set({ used_bytes: sql`case when used_bytes > ${freed} then used_bytes - ${freed} else 0 end` })
      .where('id', '=', accountId)
      .execute();
  }
  const orphanSet = new Set(orphans);
  await recordManyChanges(
    trx,
    accountId,
    modseq,
    messageIds.map((id) => ({ type: 'Email' as const, objectId: id, op: orphanSet.has(id) ? CHANGE_DESTROYED : CHANGE_UPDATED })),
  );
  // A thread that lost a message changed its emailIds (JMAP Thread/changes); one that lost its last is gone.
  const remaining = new Set<number>();
  for (const slice of chunked([...threads], IDS_PER_QUERY)) {
    const rows = await trx.selectFrom('messages').select('thread_id').distinct().where('account_id', '=', accountId).where('thread_id', 'in', slice).execute();
    for (const r of rows) remaining.add(Number(r.thread_id));
  }
  await recordManyChanges(trx, accountId, modseq, [...threads].map((id) => ({ type: 'Thread' as const, objectId: id, op: remaining.has(id) ? CHANGE_UPDATED : CHANGE_DESTROYED })));
}

/**
 * Adds entries for existing messages to a mailbox with fresh UIDs, flags kept. The message rows
 * are shared, so nothing is charged to the quota again. Returns [source UID, new UID] pairs.
 */
export async function insertCopies(
  trx: Kysely<Database>,
  accountId: number,
  toMailboxId: number,
  rows: readonly EntryRow[],
  modseq: number,
): Promise<{ uidvalidity: number; pairs: [number, number][] }> {
  const target = await trx
    .updateTable('mailboxes')
    .set({ uidnext: sql`uidnext + ${rows.length}`, highest_modseq: modseq })
    .where('id', '=', toMailboxId)
    .where('account_id', '=', accountId)
    .returning(['uidnext', 'uidvalidity'])
    .executeTakeFirst();
  if (!target) throw new MailError('not_found', `no mailbox ${toMailboxId}`);
  const first = Number(target.uidnext) - rows.length;
  const pairs: [number, number][] = rows.map((row, i) => [Number(row.uid), first + i]);
  for (const slice of chunked(rows.map((row, i) => ({ row, uid: first + i })), ROWS_PER_INSERT)) {
    await trx
      .insertInto('mailbox_entries')
      .values(slice.map(({ row, uid }) => ({ mailbox_id: toMailboxId, uid, message_id: row.message_id, account_id: accountId, modseq, flags: row.flags, keywords: row.keywords })))
      .execute();
  }
  const messageIds = [...new Set(rows.map((r) => Number(r.message_id)))];
  await recordManyChanges(trx, accountId, modseq, messageIds.map((id) => ({ type: 'Email' as const, objectId: id, op: CHANGE_UPDATED })));
  return { uidvalidity: Number(target.uidvalidity), pairs };
}
