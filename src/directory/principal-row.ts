import type { Insertable, Kysely } from 'kysely';

import { createDefaultMailboxes } from '../mail/mailboxes.ts';
import type { Database, Principal, PrincipalsTable } from '../store/schema.ts';

/** What differs between principals when one is created; everything else starts the same. */
export type NewPrincipal = Pick<Insertable<PrincipalsTable>, 'tenant_id' | 'kind' | 'login' | 'display_name' | 'password_hash' | 'role'> & { quota_bytes?: number };

/** The row for a new user, group or administrator: no org unit, nothing used, not disabled. */
export function principalRow(principal: NewPrincipal): Insertable<PrincipalsTable> {
  return { org_unit_id: null, quota_bytes: 0, used_bytes: 0, modseq: 0, disabled: 0, created_at: Date.now(), ...principal };
}

/**
 * Creates a principal that receives mail (a user or a shared mailbox): the row, its primary
 * address and its default mailboxes, inside the caller's transaction.
 */
export async function insertMailAccount(trx: Kysely<Database>, row: Insertable<PrincipalsTable>, address: string, domainId: number): Promise<Principal> {
  const principal = await trx.insertInto('principals').values(row).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto('addresses').values({ address, domain_id: domainId, principal_id: principal.id, is_primary: 1 }).execute();
  await createDefaultMailboxes(trx, principal.id);
  return principal;
}
