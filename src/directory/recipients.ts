import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

export interface LocalRecipient {
  principalId: number;
  tenantId: number;
  /** The address as it resolved (after dropping a +detail), for logs and Delivered-To. */
  address: string;
  quotaBytes: number;
  usedBytes: number;
}

/** `null`: not a domain of ours; `false`: our domain but nobody there; else who receives it. */
export type Resolution = LocalRecipient | false | null;

const SUBADDRESS_SEPARATOR = '+';

/**
 * Maps an envelope recipient to the principal whose mailbox receives it: the exact address, then
 * the address without its +detail (RFC 5233 subaddressing), then the domain's catch-all.
 */
export async function resolveRecipient(db: Kysely<Database>, rawAddress: string): Promise<Resolution> {
  const address = rawAddress.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const domainName = address.slice(at + 1);
  const domain = await db.selectFrom('domains').select(['id', 'tenant_id', 'catch_all_principal_id']).where('name', '=', domainName).executeTakeFirst();
  if (!domain) return null;

  const candidates = [address];
  const plus = local.indexOf(SUBADDRESS_SEPARATOR);
  if (plus > 0) candidates.push(`${local.slice(0, plus)}@${domainName}`);
  for (const candidate of candidates) {
    const row = await db
      .selectFrom('addresses as a')
      .innerJoin('principals as p', 'p.id', 'a.principal_id')
      .select(['p.id', 'p.tenant_id', 'p.quota_bytes', 'p.used_bytes', 'p.disabled'])
      .where('a.address', '=', candidate)
      .executeTakeFirst();
    if (row && !row.disabled) return { principalId: row.id, tenantId: row.tenant_id, address: candidate, quotaBytes: row.quota_bytes, usedBytes: row.used_bytes };
  }
  if (domain.catch_all_principal_id !== null) {
    const row = await db.selectFrom('principals').select(['id', 'tenant_id', 'quota_bytes', 'used_bytes', 'disabled']).where('id', '=', domain.catch_all_principal_id).executeTakeFirst();
    if (row && !row.disabled) return { principalId: row.id, tenantId: row.tenant_id, address, quotaBytes: row.quota_bytes, usedBytes: row.used_bytes };
  }
  return false;
}

export async function isLocalDomain(db: Kysely<Database>, domainName: string): Promise<boolean> {
  const row = await db.selectFrom('domains').select('id').where('name', '=', domainName.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

/** Every address a principal may use as a sender (primary and aliases). */
export async function addressesOf(db: Kysely<Database>, principalId: number): Promise<string[]> {
  const rows = await db.selectFrom('addresses').select('address').where('principal_id', '=', principalId).execute();
  return rows.map((r) => r.address);
}
