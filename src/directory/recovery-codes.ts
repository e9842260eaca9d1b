import { createHash, randomInt } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import type { Clock } from './account-lockout.ts';

/** How many codes a user gets; each works once, in place of a TOTP code. */
export const RECOVERY_CODE_COUNT = 10;

// No 0/o, 1/l/i: codes are read off paper and typed by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten random characters (about 49 bits) in two groups: `abcde-fghjk`. */
function newCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * Codes are random, not chosen by people, so a plain SHA-256 is enough to keep a stolen database
 * from yielding them; it also lets a code be found by an indexed lookup instead of trying each.
 */
function codeHash(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace(/[^a-z0-9]/g, '')).digest('hex');
}

/** Replaces the principal's codes with a fresh set, returned once in clear and never again. */
export async function regenerateRecoveryCodes(db: Kysely<Database>, principalId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('principal_id', '=', principalId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((code) => ({ principal_id: principalId, code_hash: codeHash(code), used_at: null })))
      .execute();
  });
  return codes;
}

/** Uses up a code: true only for an unused code of this principal; the same code never works twice. */
export async function useRecoveryCode(db: Kysely<Database>, principalId: number, code: string, now: Clock = Date.now): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now() })
    .where('principal_id', '=', principalId)
    .where('code_hash', '=', codeHash(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function unusedRecoveryCodes(db: Kysely<Database>, principalId: number): Promise<number> {
  const { n } = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('principal_id', '=', principalId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function deleteRecoveryCodes(db: Kysely<Database>, principalId: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('principal_id', '=', principalId).execute();
}
