import { PostgresAdapter, type Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

/** Failures within this window lock the account. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
/** The first lockout lasts a minute; each further one doubles it, up to an hour. */
export const FIRST_LOCKOUT_MS = 60_000;
export const MAX_LOCKOUT_MS = 60 * 60_000;

export type Clock = () => number;

/** How long the nth lockout (1-based) since the last success lasts. */
export function lockoutDuration(lockouts: number): number {
  return Math.min(FIRST_LOCKOUT_MS * 2 ** Math.max(0, lockouts - 1), MAX_LOCKOUT_MS);
}

/** Until when the account is locked (ms since the epoch), or null if it is not locked now. */
export async function lockedUntil(db: Kysely<Database>, principalId: number, now: Clock = Date.now): Promise<number | null> {
  const row = await db.selectFrom('account_lockouts').select('locked_until').where('principal_id', '=', principalId).executeTakeFirst();
  const until = row ? Number(row.locked_until) : 0;
  return until > now() ? until : null;
}

/**
 * Counts a failed password check. The count lives in the database, so failures through IMAP,
 * POP3 and submission on any node add up. Read and write happen in one transaction; on
 * PostgreSQL the row is locked `for update` so that two nodes cannot both count from the same value.
 * Returns the end of a lockout this failure started, or null.
 */
export async function recordLoginFailure(db: Kysely<Database>, principalId: number, now: Clock = Date.now): Promise<number | null> {
  const at = now();
  return db.transaction().execute(async (trx) => {
    // Make sure the row exists, so that the select below can lock it.
    await trx
      .insertInto('account_lockouts')
      .values({ principal_id: principalId, failures: 0, first_failure_at: at, lockouts: 0, locked_until: 0 })
      .onConflict((oc) => oc.column('principal_id').doNothing())
      .execute();
    let select = trx.selectFrom('account_lockouts').selectAll().where('principal_id', '=', principalId);
    if (trx.getExecutor().adapter instanceof PostgresAdapter) select = select.forUpdate();
    const row = await select.executeTakeFirstOrThrow();
    // A failure while already locked neither extends nor counts towards the next lockout.
    if (Number(row.locked_until) > at) return null;
    const fresh = Number(row.failures) === 0 || at - Number(row.first_failure_at) > LOCKOUT_WINDOW_MS;
    const failures = fresh ? 1 : Number(row.failures) + 1;
    const firstFailureAt = fresh ? at : Number(row.first_failure_at);
    if (failures >= LOCKOUT_THRESHOLD) {
      const lockouts = Number(row.lockouts) + 1;
      const until = at + lockoutDuration(lockouts);
      await trx.updateTable('account_lockouts').set({ failures: 0, first_failure_at: 0, lockouts, locked_until: until }).where('principal_id', '=', principalId).execute();
      return until;
    }
    await trx.updateTable('account_lockouts').set({ failures, first_failure_at: firstFailureAt }).where('principal_id', '=', principalId).execute();
    return null;
  });
}

/** A successful login forgets the failures and the backoff. */
export async function recordLoginSuccess(db: Kysely<Database>, principalId: number): Promise<void> {
  await db.deleteFrom('account_lockouts').where('principal_id', '=', principalId).execute();
}

/** `petrel user unlock`: clears the lock, the failure count and the backoff. True if there was anything to clear. */
export async function unlockAccount(db: Kysely<Database>, principalId: number): Promise<boolean> {
  const result = await db.deleteFrom('account_lockouts').where('principal_id', '=', principalId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
