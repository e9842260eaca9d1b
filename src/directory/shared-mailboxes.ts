import { sql, type Kysely } from 'kysely';

import { DEFAULT_MEMBER_RIGHTS, normalizeRights } from '../mail/acl.ts';
import { releaseAccountBlobs } from '../mail/account-data.ts';
import { findMailbox } from '../mail/mailboxes.ts';
import { setAccountAcl, sharedName } from '../mail/shared-access.ts';
import type { Database, Principal, SendRightKind } from '../store/schema.ts';
import { findAddressDomain } from './domains.ts';
import { DirectoryError } from './errors.ts';
import { normalizeAddress } from './names.ts';
import { insertMailAccount, principalRow } from './principal-row.ts';

/**
 * Shared mailboxes: role addresses (info@, sales@, support@) that a team works. One is a
 * principal of kind 'shared' with its own mailboxes and quota but no password: nobody logs in as
 * it. Its members reach its folders through RFC 4314 ACLs (under `Shared/<address>/` in IMAP)
 * and may be allowed to send as it, or on its behalf.
 */

export interface NewSharedMailbox {
  address: string;
  displayName?: string;
  /** Bytes; 0 means unlimited; absent means the domain's default quota. */
  quotaBytes?: number;
}

export interface MemberOptions {
  /** RFC 4314 rights on every folder; default lrswipkxte (all but administering the ACL). */
  rights?: string;
  sendAs?: boolean;
  sendOnBehalf?: boolean;
}

export interface SharedMember {
  address: string;
  rights: string;
  sendAs: boolean;
  sendOnBehalf: boolean;
}

export interface SharedMailboxSummary {
  id: number;
  tenantId: number;
  address: string;
  displayName: string;
  quotaBytes: number;
  usedBytes: number;
  members: SharedMember[];
}

export const SEND_RIGHT_KINDS: readonly SendRightKind[] = ['send-as', 'send-on-behalf'];

export async function addSharedMailbox(db: Kysely<Database>, input: NewSharedMailbox): Promise<Principal> {
  const { address, domain: domainName } = normalizeAddress(input.address);
  const domain = await findAddressDomain(db, domainName);
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('addresses').select('address').where('address', '=', address).executeTakeFirst()) {
      throw new DirectoryError('conflict', `address ${address} is already in use`, 'address');
    }
    const row = principalRow({ tenant_id: domain.tenant_id, kind: 'shared', login: null, display_name: input.displayName ?? '', password_hash: null, role: 'user', quota_bytes: input.quotaBytes ?? domain.default_quota_bytes });
    return insertMailAccount(trx, row, address, domain.id);
  });
}

export async function findSharedMailbox(db: Kysely<Database>, address: string): Promise<Principal> {
  const { address: normalized } = normalizeAddress(address);
  const row = await db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .selectAll('p')
    .where('a.address', '=', normalized)
    .where('p.kind', '=', 'shared')
    .executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such shared mailbox: ${normalized}`, 'address');
  return row;
}

/** A user or shared mailbox by any of its addresses, in the given organisation. */
async function principalIn(db: Kysely<Database>, tenantId: number, address: string, field: string): Promise<Principal & { address: string }> {
  const { address: normalized } = normalizeAddress(address);
  const row = await db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .selectAll('p')
    .select('a.address')
    .where('a.address', '=', normalized)
    .executeTakeFirst();
  if (!row || Number(row.tenant_id) !== tenantId || (row.kind !== 'user' && row.kind !== 'shared')) {
    throw new DirectoryError('not_found', `no such user in this organisation: ${normalized}`, field);
  }
  return row;
}

async function primaryAddress(db: Kysely<Database>, principalId: number): Promise<string> {
  const row = await db.selectFrom('addresses').select('address').where('principal_id', '=', principalId).where('is_primary', '=', 1).executeTakeFirstOrThrow();
  return row.address;
}

export function checkMemberRights(rights: string): string {
  try {
    const normalized = normalizeRights(rights);
    if (!normalized.includes('l') || !normalized.includes('r')) throw new DirectoryError('invalid', 'a member needs at least the l (lookup) and r (read) rights', 'rights');
    return normalized;
  } catch (err) {
    if (err instanceof DirectoryError) throw err;
    throw new DirectoryError('invalid', err instanceof Error ? err.message : String(err), 'rights');
  }
}

/** Grants or withdraws one send right of `granteeId` on `principalId`'s addresses. */
export async function setSendRight(db: Kysely<Database>, principalId: number, granteeId: number, kind: SendRightKind, granted: boolean): Promise<void> {
  await db.deleteFrom('send_rights').where('principal_id', '=', principalId).where('grantee_id', '=', granteeId).where('kind', '=', kind).execute();
  if (granted) await db.insertInto('send_rights').values({ principal_id: principalId, grantee_id: granteeId, kind }).execute();
}

/**
 * Makes a user a member: the rights on every folder of the shared mailbox, subscriptions to
 * them (clients that show only subscribed folders then show them too), and the send rights asked
 * for. Adding an existing member again updates their rights.
 */
export async function addSharedMember(db: Kysely<Database>, sharedAddress: string, memberAddress: string, options: MemberOptions = {}): Promise<SharedMember> {
  const shared = await findSharedMailbox(db, sharedAddress);
  const member = await principalIn(db, Number(shared.tenant_id), memberAddress, 'member');
  if (member.kind !== 'user') throw new DirectoryError('invalid', `${member.address} is not a user`, 'member');
  const rights = checkMemberRights(options.rights ?? DEFAULT_MEMBER_RIGHTS);
  const address = await primaryAddress(db, shared.id);
  await db.transaction().execute(async (trx) => {
    await setAccountAcl(trx, shared.id, member.id, rights);
    const folders = await trx.selectFrom('mailboxes').select('name').where('account_id', '=', shared.id).execute();
    const names = folders.map((f) => sharedName(address, f.name));
    await trx.deleteFrom('subscriptions').where('account_id', '=', member.id).where('name', 'in', names).execute();
    await trx.insertInto('subscriptions').values(names.map((name) => ({ account_id: member.id, name }))).execute();
    if (options.sendAs !== undefined) await setSendRight(trx, shared.id, member.id, 'send-as', options.sendAs);
    if (options.sendOnBehalf !== undefined) await setSendRight(trx, shared.id, member.id, 'send-on-behalf', options.sendOnBehalf);
  });
  return (await listMembers(db, shared.id)).find((m) => m.address === (member.login ?? member.address))!;
}

/** Takes away a member's access to every folder, their subscriptions to them and their send rights. */
export async function removeSharedMember(db: Kysely<Database>, sharedAddress: string, memberAddress: string): Promise<void> {
  const shared = await findSharedMailbox(db, sharedAddress);
  const member = await principalIn(db, Number(shared.tenant_id), memberAddress, 'member');
  const address = await primaryAddress(db, shared.id);
  await db.transaction().execute(async (trx) => {
    await setAccountAcl(trx, shared.id, member.id, '');
    const folders = await trx.selectFrom('mailboxes').select('name').where('account_id', '=', shared.id).execute();
    await trx.deleteFrom('subscriptions').where('account_id', '=', member.id).where('name', 'in', folders.map((f) => sharedName(address, f.name))).execute();
    await trx.deleteFrom('send_rights').where('principal_id', '=', shared.id).where('grantee_id', '=', member.id).execute();
  });
}

/** Members are whoever has rights on the INBOX or a send right; their rights are read off the INBOX. */
async function listMembers(db: Kysely<Database>, sharedId: number): Promise<SharedMember[]> {
  const inbox = await findMailbox(db, sharedId, 'INBOX');
  const acl = await db
    .selectFrom('mailbox_acl as acl')
    .innerJoin('principals as p', 'p.id', 'acl.grantee_id')
    .select(['p.id', 'p.login', 'acl.rights'])
    .where('acl.mailbox_id', '=', inbox.id)
    .execute();
  const sends = await db
    .selectFrom('send_rights as s')
    .innerJoin('principals as p', 'p.id', 's.grantee_id')
    .select(['p.id', 'p.login', 's.kind'])
    .where('s.principal_id', '=', sharedId)
    .execute();
  const members = new Map<number, SharedMember>();
  const entry = (id: number, login: string | null): SharedMember => {
    let found = members.get(id);
    if (!found) {
      found = { address: login ?? String(id), rights: '', sendAs: false, sendOnBehalf: false };
      members.set(id, found);
    }
    return found;
  };
  for (const row of acl) entry(Number(row.id), row.login).rights = row.rights;
  for (const row of sends) {
    const member = entry(Number(row.id), row.login);
    if (row.kind === 'send-as') member.sendAs = true;
    else member.sendOnBehalf = true;
  }
  return [...members.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export async function listSharedMailboxes(db: Kysely<Database>, options: { tenantId?: number | null; domainIds?: readonly number[] } = {}): Promise<SharedMailboxSummary[]> {
  let query = db
    .selectFrom('principals as p')
    .innerJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.id', 'p.tenant_id', 'p.display_name', 'p.quota_bytes', 'p.used_bytes', 'a.address'])
    .where('p.kind', '=', 'shared');
  if (options.tenantId !== undefined && options.tenantId !== null) query = query.where('p.tenant_id', '=', options.tenantId);
  if (options.domainIds) {
    if (options.domainIds.length === 0) return [];
    query = query.where('a.domain_id', 'in', options.domainIds);
  }
  const rows = await query.orderBy('a.address').execute();
  const out: SharedMailboxSummary[] = [];
  for (const row of rows) {
    out.push({
      id: Number(row.id),
      tenantId: Number(row.tenant_id),
      address: row.address,
      displayName: row.display_name,
      quotaBytes: Number(row.quota_bytes),
      usedBytes: Number(row.used_bytes),
      members: await listMembers(db, Number(row.id)),
    });
  }
  return out;
}

export async function getSharedMailbox(db: Kysely<Database>, address: string): Promise<SharedMailboxSummary> {
  const shared = await findSharedMailbox(db, address);
  const [summary] = (await listSharedMailboxes(db, { tenantId: Number(shared.tenant_id) })).filter((s) => s.id === Number(shared.id));
  return summary;
}

/** Deletes a shared mailbox with all its mail; members lose access with it. */
export async function removeSharedMailbox(db: Kysely<Database>, address: string): Promise<void> {
  const shared = await findSharedMailbox(db, address);
  const primary = await primaryAddress(db, shared.id);
  await db.transaction().execute(async (trx) => {
    await releaseAccountBlobs(trx, shared.id);
    const prefix = sharedName(primary, '');
    await trx.deleteFrom('subscriptions').where(sql<string>`substr(name, 1, ${prefix.length})`, '=', prefix).execute();
    await trx.updateTable('domains').set({ catch_all_principal_id: null }).where('catch_all_principal_id', '=', shared.id).execute();
    await trx.deleteFrom('principals').where('id', '=', shared.id).execute();
  });
}

/**
 * Shares one folder of a user (or shared mailbox) with a colleague, as `SETACL` does over IMAP;
 * empty rights withdraw it. Returns the rights now granted.
 */
export async function grantFolder(db: Kysely<Database>, ownerAddress: string, folder: string, granteeAddress: string, rights: string): Promise<string> {
  const { address } = normalizeAddress(ownerAddress);
  const owner = await db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .select(['p.id', 'p.tenant_id'])
    .where('a.address', '=', address)
    .executeTakeFirst();
  if (!owner) throw new DirectoryError('not_found', `no such user: ${address}`, 'address');
  const grantee = await principalIn(db, Number(owner.tenant_id), granteeAddress, 'grantee');
  if (Number(grantee.id) === Number(owner.id)) throw new DirectoryError('invalid', 'the owner always has every right', 'grantee');
  let normalized = '';
  if (rights !== '') {
    try {
      normalized = normalizeRights(rights);
    } catch (err) {
      throw new DirectoryError('invalid', err instanceof Error ? err.message : String(err), 'rights');
    }
  }
  const mailbox = await db.selectFrom('mailboxes').select('id').where('account_id', '=', owner.id).where('name', '=', folder).executeTakeFirst();
  if (!mailbox) throw new DirectoryError('not_found', `${address} has no folder ${folder}`, 'folder');
  await db.deleteFrom('mailbox_acl').where('mailbox_id', '=', mailbox.id).where('grantee_id', '=', grantee.id).execute();
  if (normalized !== '') await db.insertInto('mailbox_acl').values({ mailbox_id: mailbox.id, grantee_id: grantee.id, rights: normalized }).execute();
  return normalized;
}

/**
 * The addresses a principal may put in From: besides their own, by the right that allows it:
 * send-as (From: alone) or send-on-behalf (From: with Sender: the principal, RFC 5322 §3.6.2).
 */
export async function sendableAddresses(db: Kysely<Database>, granteeId: number): Promise<Map<string, SendRightKind[]>> {
  const rows = await db
    .selectFrom('send_rights as s')
    .innerJoin('addresses as a', 'a.principal_id', 's.principal_id')
    .innerJoin('principals as p', 'p.id', 's.principal_id')
    .select(['a.address', 's.kind'])
    .where('s.grantee_id', '=', granteeId)
    .where('p.disabled', '=', 0)
    .execute();
  const out = new Map<string, SendRightKind[]>();
  for (const row of rows) out.set(row.address, [...(out.get(row.address) ?? []), row.kind]);
  return out;
}
