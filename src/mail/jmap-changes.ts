import type { Kysely } from 'kysely';

import type { ChangeType, Database } from '../store/schema.ts';
import { CHANGE_CREATED, CHANGE_DESTROYED } from './modseq.ts';

/** The account's change counter: every state string JMAP hands out is this number. */
export async function accountModseq(db: Kysely<Database>, accountId: number): Promise<number> {
  const row = await db.selectFrom('principals').select('modseq').where('id', '=', accountId).executeTakeFirst();
  return row ? Number(row.modseq) : 0;
}

export interface ObjectChanges {
  created: number[];
  updated: number[];
  destroyed: number[];
  /** The modseq the answer brings the client up to. */
  newModseq: number;
  hasMoreChanges: boolean;
}

/** Asked from a modseq the log cannot answer for (ahead of the account, or not a number). */
export class ChangesUnavailableError extends Error {}

/**
 * What changed for one object type after `sinceModseq` (RFC 8620 §5.2), from the log every mail
 * write appends to, so IMAP and JMAP writes both show. Changes are taken whole modseq by whole
 * modseq, at most `maxChanges` objects; an object created and destroyed within the window is left
 * out, one created and then updated is only created.
 */
export async function changesSince(db: Kysely<Database>, accountId: number, type: ChangeType, sinceModseq: number, maxChanges: number): Promise<ObjectChanges> {
  const current = await accountModseq(db, accountId);
  if (!Number.isSafeInteger(sinceModseq) || sinceModseq < 0 || sinceModseq > current) throw new ChangesUnavailableError(`state ${sinceModseq} is not one of this account's`);
  const rows = await db
    .selectFrom('changes')
    .select(['modseq', 'object_id', 'op'])
    .where('account_id', '=', accountId)
    .where('type', '=', type)
    .where('modseq', '>', sinceModseq)
    .orderBy('modseq')
    .execute();
  const ops = new Map<number, Set<number>>();
  let newModseq = sinceModseq;
  let hasMoreChanges = false;
  for (let i = 0; i < rows.length; ) {
    const modseq = Number(rows[i].modseq);
    let end = i;
    while (end < rows.length && Number(rows[end].modseq) === modseq) end++;
    const group = rows.slice(i, end);
    const fresh = new Set(group.map((r) => Number(r.object_id)).filter((id) => !ops.has(id)));
    if (ops.size + fresh.size > maxChanges) {
      if (ops.size === 0) throw new ChangesUnavailableError(`one change touches more than maxChanges (${maxChanges}) objects`);
      hasMoreChanges = true;
      break;
    }
    for (const r of group) {
      const id = Number(r.object_id);
      const set = ops.get(id) ?? new Set<number>();
      set.add(Number(r.op));
      ops.set(id, set);
    }
    newModseq = modseq;
    i = end;
  }
  // Nothing of this type changed since: the client is as current as the account.
  if (!hasMoreChanges) newModseq = current;
  const created: number[] = [];
  const updated: number[] = [];
  const destroyed: number[] = [];
  for (const [id, set] of ops) {
    if (set.has(CHANGE_CREATED) && set.has(CHANGE_DESTROYED)) continue;
    if (set.has(CHANGE_CREATED)) created.push(id);
    else if (set.has(CHANGE_DESTROYED)) destroyed.push(id);
    else updated.push(id);
  }
  return { created, updated, destroyed, newModseq, hasMoreChanges };
}
