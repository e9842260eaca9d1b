import { sql, type Kysely } from 'kysely';

import type { Database, GroupSendPolicy, Principal } from '../store/schema.ts';
import { findAddressDomain } from './domains.ts';
import { principalRow } from './principal-row.ts';
import { DirectoryError } from './errors.ts';
import { normalizeAddress } from './names.ts';
import { findUnit, inSubtree } from './org-units.ts';

export const SEND_POLICIES: readonly GroupSendPolicy[] = ['anyone', 'members', 'organisation', 'listed'];

export interface NewGroup {
  address: string;
  displayName?: string;
  /** Addresses of users or other groups, or org units as `unit:PATH` (see parseUnitMember). */
  members?: string[];
  sendPolicy?: GroupSendPolicy;
  /** Senders allowed under the 'listed' policy. */
  allowedSenders?: string[];
}

export interface GroupSummary {
  id: number;
  address: string;
  displayName: string;
  aliases: string[];
  sendPolicy: GroupSendPolicy;
  allowedSenders: string[];
  /** Direct members' primary addresses, and member units as `unit:PATH` / `unit-only:PATH`. */
  members: string[];
}

export function parseSendPolicy(value: string): GroupSendPolicy {
  const policy = SEND_POLICIES.find((p) => p === value);
  if (!policy) throw new DirectoryError('invalid', `send policy must be one of ${SEND_POLICIES.join(', ')}, not ${value}`, 'sendPolicy');
  return policy;
}

const UNIT_PREFIX = 'unit:';
const UNIT_ONLY_PREFIX = 'unit-only:';

/**
 * A dynamic member: `unit:Engineering` is every user currently in Engineering and in every unit
 * below it, `unit-only:Engineering` those in Engineering itself. Sub-units are included by
 * default because a department's list is expected to reach its teams. Null for an address.
 */
export function parseUnitMember(member: string): { path: string; includeSubunits: boolean } | null {
  const value = member.trim();
  const lower = value.toLowerCase();
  if (lower.startsWith(UNIT_ONLY_PREFIX)) return { path: value.slice(UNIT_ONLY_PREFIX.length), includeSubunits: false };
  if (lower.startsWith(UNIT_PREFIX)) return { path: value.slice(UNIT_PREFIX.length), includeSubunits: true };
  return null;
}

function unitMemberName(path: string, includeSubunits: boolean): string {
  return `${includeSubunits ? UNIT_PREFIX : UNIT_ONLY_PREFIX}${path}`;
}

/** The principal behind an address, any kind (a user, a group), or a not_found error. */
async function principalAt(db: Kysely<Database>, address: string): Promise<Principal> {
  const { address: normalized } = normalizeAddress(address);
  const row = await db.selectFrom('addresses as a').innerJoin('principals as p', 'p.id', 'a.principal_id').selectAll('p').where('a.address', '=', normalized).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such user or group: ${normalized}`, 'member');
  return row;
}

export async function findGroup(db: Kysely<Database>, address: string): Promise<Principal> {
  const principal = await principalAt(db, address).catch(() => undefined);
  if (!principal || principal.kind !== 'group') throw new DirectoryError('not_found', `no such group: ${normalizeAddress(address).address}`, 'address');
  return principal;
}

async function primaryAddress(db: Kysely<Database>, principalId: number): Promise<string> {
  const row = await db.selectFrom('addresses').select('address').where('principal_id', '=', principalId).orderBy('is_primary', 'desc').orderBy('address').executeTakeFirst();
  return row?.address ?? `#${principalId}`;
}

/** Every group id reachable from `groupId` by membership, itself included. */
async function reachableGroups(db: Kysely<Database>, groupId: number): Promise<Set<number>> {
  const seen = new Set<number>([groupId]);
  let frontier = [groupId];
  while (frontier.length > 0) {
    const rows = await db
      .selectFrom('group_members as m')
      .innerJoin('principals as p', 'p.id', 'm.member_id')
      .select('m.member_id')
      .where('m.group_id', 'in', frontier)
      .where('p.kind', '=', 'group')
      .execute();
    frontier = [];
    for (const { member_id } of rows) {
      if (!seen.has(member_id)) {
        seen.add(member_id);
        frontier.push(member_id);
      }
    }
  }
  return seen;
}

/**
 * The people a group delivers to: users reached through any depth of nesting, and the users
 * currently in any member unit (with its sub-units unless added as `unit-only:`), each once,
 * disabled ones left out. The visited set makes a cycle (which addMember refuses, but an old or
 * hand-edited database may still hold) end the walk rather than loop; units hold no groups, so
 * they cannot start one.
 */
export async function expandGroup(db: Kysely<Database>, groupId: number): Promise<Principal[]> {
  const groups = [...(await reachableGroups(db, groupId))];
  const direct = await db
    .selectFrom('group_members as m')
    .innerJoin('principals as p', 'p.id', 'm.member_id')
    .selectAll('p')
    .distinct()
    .where('m.group_id', 'in', groups)
    .where('p.kind', '!=', 'group')
    .where('p.disabled', '=', 0)
    .execute();
  const viaUnits = await db
    .selectFrom('group_unit_members as gu')
    .innerJoin('org_units as root', 'root.id', 'gu.unit_id')
    .innerJoin('org_units as u', (join) =>
      join.onRef('u.tenant_id', '=', 'root.tenant_id').on(sql<boolean>`(u.id = root.id or (gu.include_subunits = 1 and ${inSubtree(sql<string>`u.path`, sql<string>`root.path`)}))`),
    )
    .innerJoin('principals as p', 'p.org_unit_id', 'u.id')
    .selectAll('p')
    .distinct()
    .where('gu.group_id', 'in', groups)
    .where('p.kind', '=', 'user')
    .where('p.disabled', '=', 0)
    .execute();
  const people = new Map<number, Principal>();
  for (const p of [...direct, ...viaUnits]) people.set(Number(p.id), p);
  return [...people.values()].sort((a, b) => a.id - b.id);
}

async function addUnitMember(db: Kysely<Database>, group: Principal, unitMember: { path: string; includeSubunits: boolean }): Promise<void> {
  const unit = await findUnit(db, group.tenant_id, unitMember.path, 'member');
  const already = await db.selectFrom('group_unit_members').select('unit_id').where('group_id', '=', group.id).where('unit_id', '=', unit.id).executeTakeFirst();
  if (already) throw new DirectoryError('conflict', `org unit ${unit.path} is already a member of this group`, 'member');
  await db.insertInto('group_unit_members').values({ group_id: group.id, unit_id: unit.id, include_subunits: unitMember.includeSubunits ? 1 : 0 }).execute();
}

export async function addMember(db: Kysely<Database>, groupAddress: string, memberAddress: string): Promise<void> {
  const group = await findGroup(db, groupAddress);
  const unitMember = parseUnitMember(memberAddress);
  if (unitMember) return addUnitMember(db, group, unitMember);
  const member = await principalAt(db, memberAddress);
  if (member.tenant_id !== group.tenant_id) throw new DirectoryError('invalid', `${memberAddress} belongs to another organisation`, 'member');
  if (member.kind !== 'user' && member.kind !== 'group') throw new DirectoryError('invalid', `${memberAddress} is a ${member.kind}; members are users or groups`, 'member');
  if (member.id === group.id) throw new DirectoryError('invalid', `a group cannot be a member of itself`, 'member');
  // Adding group M to G makes a cycle exactly when G is already reachable from M.
  if (member.kind === 'group' && (await reachableGroups(db, member.id)).has(group.id)) {
    throw new DirectoryError('invalid', `adding ${memberAddress} to ${groupAddress} would make a cycle (${memberAddress} already contains ${groupAddress})`, 'member');
  }
  const already = await db.selectFrom('group_members').select('member_id').where('group_id', '=', group.id).where('member_id', '=', member.id).executeTakeFirst();
  if (already) throw new DirectoryError('conflict', `${memberAddress} is already a member of ${groupAddress}`, 'member');
  await db.insertInto('group_members').values({ group_id: group.id, member_id: member.id }).execute();
}

export async function removeMember(db: Kysely<Database>, groupAddress: string, memberAddress: string): Promise<void> {
  const group = await findGroup(db, groupAddress);
  const unitMember = parseUnitMember(memberAddress);
  if (unitMember) {
    const unit = await findUnit(db, group.tenant_id, unitMember.path, 'member');
    const removed = await db.deleteFrom('group_unit_members').where('group_id', '=', group.id).where('unit_id', '=', unit.id).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new DirectoryError('not_found', `org unit ${unit.path} is not a member of ${groupAddress}`, 'member');
    return;
  }
  const member = await principalAt(db, memberAddress);
  const result = await db.deleteFrom('group_members').where('group_id', '=', group.id).where('member_id', '=', member.id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new DirectoryError('not_found', `${memberAddress} is not a member of ${groupAddress}`, 'member');
}

export async function addGroup(db: Kysely<Database>, group: NewGroup): Promise<Principal> {
  const { address, domain: domainName } = normalizeAddress(group.address);
  const domain = await findAddressDomain(db, domainName);
  const allowed = (group.allowedSenders ?? []).map((a) => normalizeAddress(a).address);
  const created = await db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('addresses').select('address').where('address', '=', address).executeTakeFirst()) {
      throw new DirectoryError('conflict', `address ${address} is already in use`, 'address');
    }
    const principal = await trx
      .insertInto('principals')
      // Groups never log in.
      .values(principalRow({ tenant_id: domain.tenant_id, kind: 'group', login: null, display_name: group.displayName ?? '', password_hash: null, role: 'user' }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('addresses').values({ address, domain_id: domain.id, principal_id: principal.id, is_primary: 1 }).execute();
    await trx.insertInto('groups').values({ principal_id: principal.id, send_policy: group.sendPolicy ?? 'anyone' }).execute();
    for (const sender of new Set(allowed)) await trx.insertInto('group_senders').values({ group_id: principal.id, address: sender }).execute();
    return principal;
  });
  try {
    for (const member of group.members ?? []) await addMember(db, address, member);
  } catch (err) {
    // All or nothing: a bad member leaves no half-made group behind.
    await removeGroup(db, address);
    throw err;
  }
  return created;
}

export async function setSendPolicy(db: Kysely<Database>, groupAddress: string, policy: GroupSendPolicy, allowedSenders?: string[]): Promise<void> {
  const group = await findGroup(db, groupAddress);
  const allowed = allowedSenders?.map((a) => normalizeAddress(a).address);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('groups').set({ send_policy: policy }).where('principal_id', '=', group.id).execute();
    if (allowed) {
      await trx.deleteFrom('group_senders').where('group_id', '=', group.id).execute();
      for (const sender of new Set(allowed)) await trx.insertInto('group_senders').values({ group_id: group.id, address: sender }).execute();
    }
  });
}

/** Deletes the group, its addresses and its memberships; the members themselves stay. */
export async function removeGroup(db: Kysely<Database>, groupAddress: string): Promise<void> {
  const group = await findGroup(db, groupAddress);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('group_members').where((eb) => eb.or([eb('group_id', '=', group.id), eb('member_id', '=', group.id)])).execute();
    await trx.deleteFrom('group_senders').where('group_id', '=', group.id).execute();
    await trx.deleteFrom('group_unit_members').where('group_id', '=', group.id).execute();
    await trx.deleteFrom('groups').where('principal_id', '=', group.id).execute();
    await trx.updateTable('domains').set({ catch_all_principal_id: null }).where('catch_all_principal_id', '=', group.id).execute();
    await trx.deleteFrom('addresses').where('principal_id', '=', group.id).execute();
    await trx.deleteFrom('principals').where('id', '=', group.id).execute();
  });
}

export interface GroupMember {
  /** A primary address, or for an org unit `unit:PATH` (with sub-units) / `unit-only:PATH`: the form addMember takes. */
  address: string;
  kind: 'user' | 'group' | 'unit';
  /** For a unit: its path, and whether its sub-units count. */
  displayName: string;
}

/** Direct members (org units as `unit:PATH`, which removeMember accepts back); with `expand`, every person the group delivers to. */
export async function listMembers(db: Kysely<Database>, groupAddress: string, options: { expand?: boolean } = {}): Promise<GroupMember[]> {
  const group = await findGroup(db, groupAddress);
  const principals = options.expand
    ? await expandGroup(db, group.id)
    : await db.selectFrom('group_members as m').innerJoin('principals as p', 'p.id', 'm.member_id').selectAll('p').where('m.group_id', '=', group.id).orderBy('p.id').execute();
  const members: GroupMember[] = [];
  for (const p of principals) members.push({ address: await primaryAddress(db, p.id), kind: p.kind === 'group' ? 'group' : 'user', displayName: p.display_name });
  if (!options.expand) {
    const units = await db
      .selectFrom('group_unit_members as gu')
      .innerJoin('org_units as u', 'u.id', 'gu.unit_id')
      .select(['u.path', 'gu.include_subunits'])
      .where('gu.group_id', '=', group.id)
      .execute();
    for (const unit of units) {
      const includeSubunits = unit.include_subunits === 1;
      members.push({ address: unitMemberName(unit.path, includeSubunits), kind: 'unit', displayName: includeSubunits ? `${unit.path} (with sub-units)` : unit.path });
    }
  }
  return members.sort((a, b) => a.address.localeCompare(b.address));
}

export async function listGroups(db: Kysely<Database>): Promise<GroupSummary[]> {
  const rows = await db
    .selectFrom('groups as g')
    .innerJoin('principals as p', 'p.id', 'g.principal_id')
    .innerJoin('addresses as a', 'a.principal_id', 'p.id')
    .select(['p.id', 'p.display_name', 'g.send_policy', 'a.address', 'a.is_primary'])
    .orderBy('a.is_primary', 'desc')
    .orderBy('a.address')
    .execute();
  const groups = new Map<number, GroupSummary>();
  for (const row of rows) {
    let group = groups.get(row.id);
    if (!group) {
      group = { id: row.id, address: row.address, displayName: row.display_name, aliases: [], sendPolicy: row.send_policy, allowedSenders: [], members: [] };
      groups.set(row.id, group);
    } else group.aliases.push(row.address);
  }
  for (const group of groups.values()) {
    group.members = (await listMembers(db, group.address)).map((m) => m.address);
    group.allowedSenders = (await db.selectFrom('group_senders').select('address').where('group_id', '=', group.id).orderBy('address').execute()).map((r) => r.address);
  }
  return [...groups.values()].sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * Whether `sender` (the envelope sender, lower-cased) may write to the group; a reason if not.
 * 'members' and 'listed' compare addresses, so +detail is dropped (RFC 5233) and any of a
 * member's addresses counts; 'organisation' means a domain of the group's own tenant. On the MX
 * these rest on MAIL FROM, which DMARC checks later in the pipeline.
 */
export async function sendRefusal(db: Kysely<Database>, group: { id: number; tenant_id: number }, address: string, sender: string): Promise<string | null> {
  const policy = (await db.selectFrom('groups').select('send_policy').where('principal_id', '=', group.id).executeTakeFirst())?.send_policy ?? 'anyone';
  if (policy === 'anyone') return null;
  const refusal = `<${address}>: you are not allowed to send to this group`;
  const at = sender.lastIndexOf('@');
  if (at <= 0) return refusal;
  const local = sender.slice(0, at).toLowerCase();
  const domain = sender.slice(at + 1).toLowerCase();
  const plus = local.indexOf('+');
  const candidates = [`${local}@${domain}`, ...(plus > 0 ? [`${local.slice(0, plus)}@${domain}`] : [])];
  if (policy === 'organisation') {
    const row = await db.selectFrom('domains').select('id').where('name', '=', domain).where('tenant_id', '=', group.tenant_id).executeTakeFirst();
    return row ? null : `${refusal} (only senders of its organisation may)`;
  }
  if (policy === 'listed') {
    const row = await db.selectFrom('group_senders').select('address').where('group_id', '=', group.id).where('address', 'in', candidates).executeTakeFirst();
    return row ? null : `${refusal} (only its listed senders may)`;
  }
  const principal = await db.selectFrom('addresses').select('principal_id').where('address', 'in', candidates).executeTakeFirst();
  if (principal && (await expandGroup(db, group.id)).some((p) => p.id === principal.principal_id)) return null;
  return `${refusal} (only its members may)`;
}
