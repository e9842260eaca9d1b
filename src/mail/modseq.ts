import { sql, type Kysely } from 'kysely';

import type { ChangeType, Database } from '../store/schema.ts';

/**
 * Takes the account's next modseq. The UPDATE locks the account row until commit, so two writers
 * to one account commit in modseq order: a reader that has seen N never later meets a change < N.
 */
export async function nextModseq(trx: Kysely<Database>, accountId: number): Promise<number> {
  const row = await trx
    .updateTable('principals')
    .set({ modseq: sql`modseq + 1` })
    .where('id', '=', accountId)
    .returning('modseq')
    .executeTakeFirstOrThrow();
  return Number(row.modseq);
}

export const CHANGE_CREATED = 1;
export const CHANGE_UPDATED = 2;
export const CHANGE_DESTROYED = 3;

/** Records changes for JMAP /changes; IMAP reads the same modseqs from the entries themselves. */
export async function recordChanges(
  trx: Kysely<Database>,
  accountId: number,
  modseq: number,
  changes: { type: ChangeType; objectId: number; op: number }[],
): Promise<void> {
  if (changes.length === 0) return;
  await trx
    .insertInto('changes')
    .values(changes.map((c) => ({ account_id: accountId, modseq, type: c.type, object_id: c.objectId, op: c.op })))
    .execute();
}
