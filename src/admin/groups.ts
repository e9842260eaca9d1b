import { DirectoryError } from '../directory/errors.ts';
import * as directory from '../directory/groups.ts';
import { normalizeAddress } from '../directory/names.ts';
import type { GroupSendPolicy, Principal } from '../store/schema.ts';
import { audit, requireDomainAdmin, requireScope, tenantScope, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';
import { principalForAdmin, type PrincipalRef } from './users.ts';

export type GroupSummary = directory.GroupSummary;
export type GroupMember = directory.GroupMember;

function requireAdmin(ctx: AdminContext): void {
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may manage groups');
}

async function groupForAdmin(ctx: AdminContext, ref: PrincipalRef): Promise<Principal> {
  return principalForAdmin(ctx, ref, { kinds: ['group'], what: 'group' });
}

/** The primary address of a group the actor may see; directory/groups.ts takes addresses. */
async function groupAddress(ctx: AdminContext, group: Principal): Promise<string> {
  const row = await ctx.db.selectFrom('addresses').select('address').where('principal_id', '=', group.id).where('is_primary', '=', 1).executeTakeFirstOrThrow();
  return row.address;
}

/**
 * A member as directory/groups.ts takes it: an org unit (`unit:PATH`, resolved in the group's
 * own tenant by the directory) passes through unchanged; an address must be of a principal of
 * the actor's tenant, else it does not exist for this actor.
 */
async function checkMember(ctx: AdminContext, tenantId: number, member: string): Promise<string> {
  if (directory.parseUnitMember(member)) return member;
  const principal = await principalForAdmin(ctx, member, { field: 'member', kinds: ['user', 'group', 'shared'], anyDomain: true });
  if (principal.tenant_id !== tenantId) throw new DirectoryError('invalid', `${member} belongs to another organisation`, 'member');
  return member;
}

export interface NewGroupInput {
  address: string;
  displayName?: string;
  /** Addresses of users or groups, or `unit:PATH` for everyone in an org unit. */
  members?: string[];
  sendPolicy?: GroupSendPolicy;
  allowedSenders?: string[];
}

export async function addGroup(ctx: AdminContext, input: NewGroupInput): Promise<GroupSummary> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, domain: domainName } = normalizeAddress(input.address);
  const domain = await domainForAdmin(ctx, domainName, 'address');
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, 'address');
  for (const member of input.members ?? []) await checkMember(ctx, domain.tenant_id, member);
  const sendPolicy = input.sendPolicy ?? 'anyone';
  const created = await directory.addGroup(ctx.db, { ...input, address, sendPolicy });
  await audit(ctx, 'group.add', address, { members: input.members ?? [], sendPolicy, allowedSenders: input.allowedSenders ?? [] }, domain.tenant_id);
  return getGroup(ctx, { group: created.id });
}

/** The groups at the domains the actor administers (or at one of them). */
export async function listGroups(ctx: AdminContext, input: { domain?: string } = {}): Promise<GroupSummary[]> {
  requireScope(ctx, 'directory:read');
  requireAdmin(ctx);
  let visible = ctx.db
    .selectFrom('principals as p')
    .innerJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select('p.id')
    .where('p.kind', '=', 'group');
  const tenantId = tenantScope(ctx, null);
  if (tenantId !== null) visible = visible.where('p.tenant_id', '=', tenantId);
  const domainIds = input.domain !== undefined ? [Number((await domainForAdmin(ctx, input.domain)).id)] : ctx.actor.role === 'domain-admin' ? ctx.actor.domainIds : undefined;
  if (domainIds) {
    if (domainIds.length === 0) return [];
    visible = visible.where('a.domain_id', 'in', domainIds);
  }
  const ids = new Set((await visible.execute()).map((r) => Number(r.id)));
  if (ids.size === 0) return [];
  return (await directory.listGroups(ctx.db)).filter((g) => ids.has(Number(g.id)));
}

export async function getGroup(ctx: AdminContext, input: { group: PrincipalRef }): Promise<GroupSummary> {
  requireScope(ctx, 'directory:read');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  const address = await groupAddress(ctx, group);
  const [summary] = (await directory.listGroups(ctx.db)).filter((g) => Number(g.id) === Number(group.id));
  if (!summary) throw new DirectoryError('not_found', `no such group: ${address}`, 'address');
  return summary;
}

/** Direct members; with `expand`, every person the group delivers to. */
export async function listGroupMembers(ctx: AdminContext, input: { group: PrincipalRef; expand?: boolean }): Promise<GroupMember[]> {
  requireScope(ctx, 'directory:read');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  return directory.listMembers(ctx.db, await groupAddress(ctx, group), { expand: input.expand });
}

export async function addGroupMember(ctx: AdminContext, input: { group: PrincipalRef; member: string }): Promise<{ group: string; member: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  const address = await groupAddress(ctx, group);
  const member = await checkMember(ctx, group.tenant_id, input.member);
  await directory.addMember(ctx.db, address, member);
  await audit(ctx, 'group.member-add', address, { member }, group.tenant_id);
  return { group: address, member };
}

export async function removeGroupMember(ctx: AdminContext, input: { group: PrincipalRef; member: string }): Promise<{ group: string; member: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  const address = await groupAddress(ctx, group);
  const member = await checkMember(ctx, group.tenant_id, input.member);
  await directory.removeMember(ctx.db, address, member);
  await audit(ctx, 'group.member-remove', address, { member }, group.tenant_id);
  return { group: address, member };
}

/** Who may send to the group; `allowedSenders` (for 'listed') replaces the list when given. */
export async function setGroupSendPolicy(ctx: AdminContext, input: { group: PrincipalRef; sendPolicy: GroupSendPolicy; allowedSenders?: string[] }): Promise<GroupSummary> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  const address = await groupAddress(ctx, group);
  const sendPolicy = directory.parseSendPolicy(input.sendPolicy);
  await directory.setSendPolicy(ctx.db, address, sendPolicy, input.allowedSenders);
  await audit(ctx, 'group.policy', address, { sendPolicy, allowedSenders: input.allowedSenders ?? [] }, group.tenant_id);
  return getGroup(ctx, { group: group.id });
}

export async function removeGroup(ctx: AdminContext, input: { group: PrincipalRef }): Promise<{ removed: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const group = await groupForAdmin(ctx, input.group);
  const address = await groupAddress(ctx, group);
  await directory.removeGroup(ctx.db, address);
  await audit(ctx, 'group.remove', address, {}, group.tenant_id);
  return { removed: address };
}
