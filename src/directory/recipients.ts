import { sql, type Kysely } from 'kysely';

import type { Database, PrincipalKind } from '../store/schema.ts';
import { expandGroup, sendRefusal } from './groups.ts';

export interface LocalRecipient {
  principalId: number;
  tenantId: number;
  /** The address as it resolved (after dropping a +detail), for logs and Delivered-To. */
  address: string;
  quotaBytes: number;
  usedBytes: number;
  /** For a group: the people it expands to (nested groups flattened, each once). */
  members?: LocalRecipient[];
  /** For a group the sender may not write to: why, for a 550 5.7.1 at RCPT. */
  refusal?: string;
}

/** `null`: not a domain of ours; `false`: our domain but nobody there; else who receives it. */
export type Resolution = LocalRecipient | false | null;

const SUBADDRESS_SEPARATOR = '+';
const POSTMASTER = 'postmaster';

type RecipientRow = { id: number; tenant_id: number; quota_bytes: number; used_bytes: number };

function recipientFrom(row: RecipientRow, address: string): LocalRecipient {
  return { principalId: row.id, tenantId: row.tenant_id, address, quotaBytes: row.quota_bytes, usedBytes: row.used_bytes };
}

/** A group resolves to itself, carrying its expansion and, given a sender, the send-policy verdict. */
async function recipientOrGroup(db: Kysely<Database>, row: RecipientRow & { kind: PrincipalKind }, address: string, sender: string | undefined): Promise<LocalRecipient> {
  const recipient = recipientFrom(row, address);
  if (row.kind !== 'group') return recipient;
  recipient.quotaBytes = 0;
  recipient.usedBytes = 0;
  recipient.members = (await expandGroup(db, row.id)).map((p) => recipientFrom(p, address));
  if (sender !== undefined) {
    const refusal = await sendRefusal(db, row, address, sender);
    if (refusal) recipient.refusal = refusal;
  }
  return recipient;
}

/**
 * The accounts that receive a message for these recipients: groups replaced by their members,
 * each account once, so a person in two nested groups, or named both directly and through a
 * group, gets one copy.
 */
export function expandRecipients(recipients: LocalRecipient[]): LocalRecipient[] {
  const seen = new Set<number>();
  const out: LocalRecipient[] = [];
  for (const recipient of recipients.flatMap((r) => r.members ?? [r])) {
    if (seen.has(recipient.principalId)) continue;
    seen.add(recipient.principalId);
    out.push(recipient);
  }
  return out;
}

/**
 * Maps an envelope recipient to the principal whose mailbox receives it: the exact address, then
 * the address without its +detail (RFC 5233 subaddressing), then the domain's catch-all, and for
 * postmaster (RFC 5321 §4.5.1, which every domain must accept) a fallback mailbox. A group
 * resolves with its members; `sender` (the envelope sender), when given, is checked against the
 * group's send policy.
 */
export async function resolveRecipient(db: Kysely<Database>, rawAddress: string, sender?: string): Promise<Resolution> {
  let address = rawAddress.trim().toLowerCase();
  // RFC 5321 §4.1.1.3: "postmaster" without a domain is this server's postmaster, taken to be
  // that of the first domain added (a single-organisation site has no other reading of it).
  if (address === POSTMASTER) {
    const first = await db.selectFrom('domains').select('name').orderBy('id').limit(1).executeTakeFirst();
    if (!first) return false;
    address = `${POSTMASTER}@${first.name}`;
  }
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const local = address.slice(0, at);
  let domainName = address.slice(at + 1);
  let domain = await db.selectFrom('domains').select(['id', 'tenant_id', 'catch_all_principal_id', 'alias_of_domain_id']).where('name', '=', domainName).executeTakeFirst();
  if (!domain) return null;
  if (domain.alias_of_domain_id !== null) {
    // An alias domain: alice@alias is alice@target, and the target's +detail and catch-all rules
    // apply. Targets are never aliases themselves (addDomainAlias), so this is one hop.
    const target = await db.selectFrom('domains').select(['id', 'name', 'tenant_id', 'catch_all_principal_id', 'alias_of_domain_id']).where('id', '=', domain.alias_of_domain_id).executeTakeFirst();
    if (!target) return false;
    domain = target;
    domainName = target.name;
    address = `${local}@${domainName}`;
  }

  const candidates = [address];
  const plus = local.indexOf(SUBADDRESS_SEPARATOR);
  if (plus > 0) candidates.push(`${local.slice(0, plus)}@${domainName}`);
  for (const candidate of candidates) {
    const row = await db
      .selectFrom('addresses as a')
      .innerJoin('principals as p', 'p.id', 'a.principal_id')
      .select(['p.id', 'p.tenant_id', 'p.quota_bytes', 'p.used_bytes', 'p.disabled', 'p.kind'])
      .where('a.address', '=', candidate)
      .executeTakeFirst();
    if (row && !row.disabled) return recipientOrGroup(db, row, candidate, sender);
  }
  if (domain.catch_all_principal_id !== null) {
    const row = await db.selectFrom('principals').select(['id', 'tenant_id', 'quota_bytes', 'used_bytes', 'disabled', 'kind']).where('id', '=', domain.catch_all_principal_id).executeTakeFirst();
    if (row && !row.disabled) return recipientOrGroup(db, row, address, sender);
  }
  if (local === POSTMASTER) {
    const row = await postmasterFallback(db, domain);
    if (row) return recipientFrom(row, address);
  }
  return false;
}

/**
 * Who reads postmaster@ a domain that has no postmaster address of its own: the organisation's
 * administrators first, then its users of that domain, then its other users, oldest first. Only
 * principals with an INBOX qualify, which leaves out the first-start `admin`, a login without mail.
 */
async function postmasterFallback(db: Kysely<Database>, domain: { id: number; tenant_id: number }): Promise<RecipientRow | undefined> {
  return db
    .selectFrom('principals as p')
    .innerJoin('mailboxes as m', (join) => join.onRef('m.account_id', '=', 'p.id').on('m.name', '=', 'INBOX'))
    .select(['p.id', 'p.tenant_id', 'p.quota_bytes', 'p.used_bytes'])
    .where('p.tenant_id', '=', domain.tenant_id)
    .where('p.disabled', '=', 0)
    .orderBy(sql`case when p.role in ('tenant-admin', 'super-admin') then 0 else 1 end`)
    .orderBy(sql`case when exists (select 1 from addresses a where a.principal_id = p.id and a.domain_id = ${domain.id}) then 0 else 1 end`)
    .orderBy('p.id')
    .limit(1)
    .executeTakeFirst();
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
