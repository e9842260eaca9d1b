import type { Kysely } from 'kysely';

import { referenceBlob, releaseBlob, type BlobStore } from '../store/blob-store.ts';
import type { Database } from '../store/schema.ts';

export interface QueuedRecipient {
  address: string;
  orcpt?: string | null;
  /** NOTIFY from RCPT TO (RFC 3461 §4.1), e.g. "FAILURE,DELAY"; null means the default (failure and delay). */
  notify?: string | null;
}

export interface NewQueueEntry {
  sender: string;
  recipients: QueuedRecipient[];
  hash: string;
  raw: Buffer;
  envelopeId?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
  principalId?: number | null;
  tenantId?: number | null;
  expireAfterMs: number;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Puts a message on the outbound queue inside the caller's transaction; its bytes must already be persisted. */
export async function enqueue(trx: Kysely<Database>, blobs: BlobStore, entry: NewQueueEntry): Promise<number> {
  const now = Date.now();
  await referenceBlob(trx, blobs, entry.hash, entry.raw);
  const { id } = await trx
    .insertInto('queue_messages')
    .values({
      tenant_id: entry.tenantId ?? null,
      principal_id: entry.principalId ?? null,
      sender: entry.sender,
      blob_hash: entry.hash,
      size: entry.raw.byteLength,
      envelope_id: entry.envelopeId ?? null,
      ret: entry.ret ?? null,
      created_at: now,
      expires_at: now + entry.expireAfterMs,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('queue_recipients')
    .values(
      entry.recipients.map((r) => ({
        queue_message_id: id,
        recipient: r.address,
        domain: domainOf(r.address),
        orcpt: r.orcpt ?? null,
        notify: r.notify ?? null,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        last_attempt_at: null,
        last_error: null,
        remote_mta: null,
        delay_notified: 0,
        locked_until: 0,
        locked_by: null,
      })),
    )
    .execute();
  return Number(id);
}

/** Drops a queue message once none of its recipients is pending, releasing its blob. */
export async function finishIfDone(trx: Kysely<Database>, queueMessageId: number): Promise<boolean> {
  const pending = await trx.selectFrom('queue_recipients').select('id').where('queue_message_id', '=', queueMessageId).where('status', '=', 'pending').limit(1).executeTakeFirst();
  if (pending) return false;
  const message = await trx.selectFrom('queue_messages').select('blob_hash').where('id', '=', queueMessageId).executeTakeFirst();
  if (!message) return true;
  await trx.deleteFrom('queue_messages').where('id', '=', queueMessageId).execute();
  await releaseBlob(trx, message.blob_hash);
  return true;
}

export interface QueueListing {
  id: number;
  sender: string;
  size: number;
  createdAt: number;
  recipients: { id: number; address: string; status: string; attempts: number; nextAttemptAt: number; lastError: string | null }[];
}

export async function listQueue(db: Kysely<Database>): Promise<QueueListing[]> {
  const rows = await db
    .selectFrom('queue_messages as m')
    .innerJoin('queue_recipients as r', 'r.queue_message_id', 'm.id')
    .select(['m.id', 'm.sender', 'm.size', 'm.created_at', 'r.id as rid', 'r.recipient', 'r.status', 'r.attempts', 'r.next_attempt_at', 'r.last_error'])
    .orderBy('m.id')
    .orderBy('r.id')
    .execute();
  const byId = new Map<number, QueueListing>();
  for (const row of rows) {
    let entry = byId.get(row.id);
    if (!entry) {
      entry = { id: row.id, sender: row.sender, size: row.size, createdAt: row.created_at, recipients: [] };
      byId.set(row.id, entry);
    }
    entry.recipients.push({ id: row.rid, address: row.recipient, status: row.status, attempts: row.attempts, nextAttemptAt: row.next_attempt_at, lastError: row.last_error });
  }
  return [...byId.values()];
}

/** Makes pending recipients due now (all, or one queue message's); returns how many. */
export async function retryNow(db: Kysely<Database>, queueMessageId?: number): Promise<number> {
  let query = db.updateTable('queue_recipients').set({ next_attempt_at: Date.now(), locked_until: 0 }).where('status', '=', 'pending');
  if (queueMessageId !== undefined) query = query.where('queue_message_id', '=', queueMessageId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function removeFromQueue(db: Kysely<Database>, queueMessageId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const message = await trx.selectFrom('queue_messages').select('blob_hash').where('id', '=', queueMessageId).executeTakeFirst();
    if (!message) return false;
    await trx.deleteFrom('queue_messages').where('id', '=', queueMessageId).execute();
    await releaseBlob(trx, message.blob_hash);
    return true;
  });
}
