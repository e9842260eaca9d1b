import { sql, type Kysely } from 'kysely';

import { FixedShapeQuery } from '../store/fixed-shape-query.ts';
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

/** Deliveries and flag changes record a handful of changes; their statements are compiled once per count. */
const MAX_FIXED_CHANGES = 16;

const insertChanges = new FixedShapeQuery<{ accountId: number; modseq: number; types: ChangeType[]; objectIds: number[]; ops: number[] }, never>((db, param, count) =>
  db
    .insertInto('changes')
    .values(Array.from({ length: count }, (_, i) => ({ account_id: param('accountId'), modseq: param('modseq'), type: param('types', i), object_id: param('objectIds', i), op: param('ops', i) }))),
);

/** Records changes for JMAP /changes; IMAP reads the same modseqs from the entries themselves. */
export async function recordChanges(
  trx: Kysely<Database>,
  accountId: number,
  modseq: number,
  changes: { type: ChangeType; objectId: number; op: number }[],
): Promise<void> {
  if (changes.length === 0) return;
  if (changes.length <= MAX_FIXED_CHANGES) {
    await insertChanges.execute(trx, { accountId, modseq, types: changes.map((c) => c.type), objectIds: changes.map((c) => c.objectId), ops: changes.map((c) => c.op) }, changes.length);
    return;
  }
  await trx
    .insertInto('changes')
    .values(changes.map((c) => ({ account_id: accountId, modseq, type: c.type, object_id: c.objectId, op: c.op })))
    .execute();
}
