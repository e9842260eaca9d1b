import type { Kysely } from 'kysely';

import { FixedShapeQuery } from '../store/fixed-shape-query.ts';
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
/** More references than this are ignored: a header that long is a loop or an attack, not a conversation. */
const MAX_REFS = 500;

// Every delivery runs these; compiled once per dialect and number of references (fixed-shape-query.ts).

const threadOfRefs = new FixedShapeQuery<{ accountId: number; refs: string[] }, { thread_id: number }>((db, param, count) =>
  db
    .selectFrom('thread_refs')
    .select('thread_id')
    .where('account_id', '=', param('accountId'))
    .where('ref', 'in', Array.from({ length: count }, (_, i) => param('refs', i)))
    .limit(1),
);

const threadOfSubject = new FixedShapeQuery<{ accountId: number; baseSubject: string; since: number }, { thread_id: number }>((db, param) =>
  db
    .selectFrom('messages')
    .select('thread_id')
    .where('account_id', '=', param('accountId'))
    .where('base_subject', '=', param('baseSubject'))
    .where('received_at', '>=', param('since'))
    .orderBy('received_at', 'desc')
    .limit(1),
);

const recordRefs = new FixedShapeQuery<{ accountId: number; refs: string[]; threadId: number }, never>((db, param, count) =>
  db
    .insertInto('thread_refs')
    .values(Array.from({ length: count }, (_, i) => ({ account_id: param('accountId'), ref: param('refs', i), thread_id: param('threadId') })))
    .onConflict((oc) => oc.columns(['account_id', 'ref']).doNothing()),
);

/**
 * Finds the thread a new message belongs to: one of the messages it references, or for a reply
 * without references the latest message with the same base subject (RFC 5256 §2.1). `fresh` is the
 * id to use when it starts a new thread. Records the message's own Message-ID and its references
 * so that later replies, and earlier messages that arrive late, join the same thread.
 */
export async function assignThread(trx: Kysely<Database>, accountId: number, keys: ThreadKeys, fresh: number, receivedAt: number): Promise<number> {
  const refs = [...new Set(keys.parents.filter((r) => r.length > 0 && r.length <= 998))];
  let threadId: number | null = null;
  // The message's own Message-ID and its references: the thread is the first of them known, and all become known.
  const own = (keys.messageId ? [keys.messageId, ...refs] : refs).slice(0, MAX_REFS);
  if (own.length > 0) {
    const row = await threadOfRefs.executeTakeFirst(trx, { accountId, refs: own }, own.length);
    if (row) threadId = Number(row.thread_id);
  }
  const isReply = keys.baseSubject !== '' && keys.subject.trim() !== keys.baseSubject;
  if (threadId === null && isReply) {
    const row = await threadOfSubject.executeTakeFirst(trx, { accountId, baseSubject: keys.baseSubject, since: receivedAt - SUBJECT_WINDOW_MS });
    if (row) threadId = Number(row.thread_id);
  }
  threadId ??= fresh;
  if (own.length > 0) await recordRefs.execute(trx, { accountId, refs: own, threadId }, own.length);
  return threadId;
}
