import type { Insertable } from 'kysely';

import type { PrincipalsTable } from '../store/schema.ts';

/** What differs between principals when one is created; everything else starts the same. */
export type NewPrincipal = Pick<Insertable<PrincipalsTable>, 'tenant_id' | 'kind' | 'login' | 'display_name' | 'password_hash' | 'role'> & { quota_bytes?: number };

/** The row for a new user, group or administrator: no org unit, nothing used, not disabled. */
export function principalRow(principal: NewPrincipal): Insertable<PrincipalsTable> {
  return { org_unit_id: null, quota_bytes: 0, used_bytes: 0, modseq: 0, disabled: 0, created_at: Date.now(), ...principal };
}
