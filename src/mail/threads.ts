import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

export interface ThreadKeys {
  messageId: string | null;
  /** In-Reply-To then References, as parsed from the headers. */
  parents: string[];
  subject: string;
  baseSubject: string;
}

// A reply whose References were stripped (some mobile clients, mailing lists) still joins the
// conversation if it has the same base subject and arrives within this window of it.
const SUBJECT_WINDOW_MS = 14 * 24 * 3600_000;

/**
 * Finds the thread a new message belongs to: one of the messages it references, or for a reply
 * without references the latest message with the same base subject (RFC 5256 §2.1). `fresh` is the
 * id to use when it starts a new thread. Records the message's own Message-ID and its references
 * so that later replies, and earlier messages that arrive late, join the same thread.
 */
export async function assignThread(trx: Kysely<Database>, accountId: number, keys: ThreadKeys, fresh: number, receivedAt: number): Promise<number> {
  const refs = [...new Set(keys.parents.filter((r) => r.length > 0 && r.length <= 998))];
  let threadId: number | null = null;
  const lookup = keys.messageId ? [keys.messageId, ...refs] : refs;
  if (lookup.length > 0) {
    const rows = await trx.selectFrom('thread_refs').select('thread_id').where('account_id', '=', accountId).where('ref', 'in', lookup.slice(0, 500)).limit(1).execute();
    if (rows.length > 0) threadId = Number(rows[0].thread_id);
  }
  const isReply = keys.baseSubject !== '' && keys.subject.trim() !== keys.baseSubject;
  if (threadId === null && isReply) {
    const row = await trx
      .selectFrom('messages')
      .select('thread_id')
      .where('account_id', '=', accountId)
      .where('base_subject', '=', keys.baseSubject)
      .where('received_at', '>=', receivedAt - SUBJECT_WINDOW_MS)
      .orderBy('received_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) threadId = Number(row.thread_id);
  }
  threadId ??= fresh;
  const own = keys.messageId ? [keys.messageId, ...refs] : refs;
  if (own.length > 0) {
    await trx
      .insertInto('thread_refs')
      .values(own.slice(0, 500).map((ref) => ({ account_id: accountId, ref, thread_id: threadId })))
      .onConflict((oc) => oc.columns(['account_id', 'ref']).doNothing())
      .execute();
  }
  return threadId;
}
