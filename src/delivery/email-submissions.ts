// The record of JMAP EmailSubmissions (RFC 8621 §7): what was sent when, kept so that
// EmailSubmission/get, /query and /changes can answer. `seq` is a per-account counter that
// every creation and destroy takes the next value of; the state string is its latest value.
import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

export interface SubmissionRecord {
  id: number;
  identityId: string;
  emailId: string;
  threadId: string;
  envelope: unknown;
  sendAt: number;
  deliveryStatus: unknown;
}

export interface NewSubmissionRecord {
  identityId: string;
  emailId: string;
  threadId: string;
  envelope: unknown;
  sendAt: number;
  deliveryStatus: unknown;
}

async function nextSeq(trx: Kysely<Database>, accountId: number): Promise<number> {
  const row = await trx.selectFrom('jmap_submissions').select((eb) => eb.fn.max('seq').as('seq')).where('account_id', '=', accountId).executeTakeFirst();
  return Number(row?.seq ?? 0) + 1;
}

export async function submissionState(db: Kysely<Database>, accountId: number): Promise<string> {
  return String((await nextSeq(db, accountId)) - 1);
}

export async function recordSubmission(db: Kysely<Database>, accountId: number, record: NewSubmissionRecord): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const seq = await nextSeq(trx, accountId);
    const { id } = await trx
      .insertInto('jmap_submissions')
      .values({
        account_id: accountId,
        identity_id: record.identityId,
        email_id: record.emailId,
        thread_id: record.threadId,
        envelope: JSON.stringify(record.envelope),
        send_at: record.sendAt,
        delivery_status: JSON.stringify(record.deliveryStatus),
        created_seq: seq,
        seq,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(id);
  });
}

/** The account's submissions that were not destroyed, oldest first. */
export async function listSubmissions(db: Kysely<Database>, accountId: number): Promise<SubmissionRecord[]> {
  const rows = await db.selectFrom('jmap_submissions').selectAll().where('account_id', '=', accountId).where('destroyed', '=', 0).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    identityId: r.identity_id,
    emailId: r.email_id,
    threadId: r.thread_id,
    envelope: JSON.parse(r.envelope) as unknown,
    sendAt: Number(r.send_at),
    deliveryStatus: JSON.parse(r.delivery_status) as unknown,
  }));
}

/** Forgets a submission (it was sent already; RFC 8621 §7.5 destroy removes only the record). */
export async function destroySubmission(db: Kysely<Database>, accountId: number, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const seq = await nextSeq(trx, accountId);
    const result = await trx.updateTable('jmap_submissions').set({ destroyed: 1, seq }).where('account_id', '=', accountId).where('id', '=', id).where('destroyed', '=', 0).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

/** What changed after `since` (RFC 8620 §5.2), at most `max` changes, oldest first. */
export async function submissionChanges(db: Kysely<Database>, accountId: number, since: number, max: number): Promise<{ created: number[]; destroyed: number[]; newState: number; hasMore: boolean }> {
  const rows = await db
    .selectFrom('jmap_submissions')
    .select(['id', 'created_seq', 'seq', 'destroyed'])
    .where('account_id', '=', accountId)
    .where('seq', '>', since)
    .orderBy('seq')
    .limit(max + 1)
    .execute();
  const hasMore = rows.length > max;
  const taken = rows.slice(0, max);
  const created: number[] = [];
  const destroyed: number[] = [];
  for (const row of taken) {
    // Created and destroyed since: the client never saw it, so it is in neither list.
    if (row.destroyed === 1 && Number(row.created_seq) <= since) destroyed.push(Number(row.id));
    else if (row.destroyed === 0) created.push(Number(row.id));
  }
  const newState = taken.length > 0 ? Number(taken[taken.length - 1].seq) : Number(await submissionState(db, accountId));
  return { created, destroyed, newState: hasMore ? newState : Math.max(newState, since), hasMore };
}
