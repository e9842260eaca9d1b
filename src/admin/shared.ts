import { DirectoryError } from '../directory/errors.ts';
import { normalizeAddress } from '../directory/names.ts';
import * as directory from '../directory/shared-mailboxes.ts';
import type { Domain, SendRightKind } from '../store/schema.ts';
import { audit, requireDomainAdmin, requireScope, tenantScope, type AdminContext } from './context.ts';
import { domainForAdmin } from './domains.ts';

export type SharedMailboxSummary = directory.SharedMailboxSummary;
export type SharedMember = directory.SharedMember;

function requireAdmin(ctx: AdminContext): void {
  if (ctx.actor.role === 'user') throw new DirectoryError('forbidden', 'only an administrator may manage shared mailboxes');
}

/** The domain of an address, which the actor must administer; another tenant's is not found. */
async function adminDomainOf(ctx: AdminContext, address: string, field = 'address'): Promise<{ address: string; domain: Domain }> {
  const normalized = normalizeAddress(address);
  const domain = await domainForAdmin(ctx, normalized.domain, field);
  requireDomainAdmin(ctx, domain, `domain: ${domain.name}`, field);
  return { address: normalized.address, domain };
}

/** A shared mailbox the actor administers. */
async function sharedForAdmin(ctx: AdminContext, address: string): Promise<{ address: string; tenantId: number }> {
  const { address: normalized } = await adminDomainOf(ctx, address);
  const shared = await directory.findSharedMailbox(ctx.db, normalized);
  return { address: normalized, tenantId: Number(shared.tenant_id) };
}

export interface NewSharedInput extends directory.MemberOptions {
  address: string;
  displayName?: string;
  quotaBytes?: number;
  /** Users who get `rights` (and the send rights asked for) on it. */
  members?: string[];
}

export async function addShared(ctx: AdminContext, input: NewSharedInput): Promise<SharedMailboxSummary> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, domain } = await adminDomainOf(ctx, input.address);
  if (input.rights !== undefined) directory.checkMemberRights(input.rights);
  await directory.addSharedMailbox(ctx.db, { address, displayName: input.displayName, quotaBytes: input.quotaBytes });
  for (const member of input.members ?? []) {
    await directory.addSharedMember(ctx.db, address, member, { rights: input.rights, sendAs: input.sendAs, sendOnBehalf: input.sendOnBehalf });
  }
  await audit(ctx, 'shared.add', address, { members: input.members ?? [], rights: input.rights ?? null, sendAs: input.sendAs ?? false, sendOnBehalf: input.sendOnBehalf ?? false }, domain.tenant_id);
  return directory.getSharedMailbox(ctx.db, address);
}

/** The shared mailboxes at the domains the actor administers (or at one of them). */
export async function listShared(ctx: AdminContext, input: { domain?: string } = {}): Promise<SharedMailboxSummary[]> {
  requireScope(ctx, 'directory:read');
  requireAdmin(ctx);
  const domainIds = input.domain !== undefined ? [Number((await domainForAdmin(ctx, input.domain)).id)] : ctx.actor.role === 'domain-admin' ? ctx.actor.domainIds : undefined;
  return directory.listSharedMailboxes(ctx.db, { tenantId: tenantScope(ctx, null), domainIds });
}

export async function getShared(ctx: AdminContext, input: { address: string }): Promise<SharedMailboxSummary> {
  requireScope(ctx, 'directory:read');
  requireAdmin(ctx);
  const { address } = await sharedForAdmin(ctx, input.address);
  return directory.getSharedMailbox(ctx.db, address);
}

export async function removeShared(ctx: AdminContext, input: { address: string }): Promise<{ address: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, tenantId } = await sharedForAdmin(ctx, input.address);
  await directory.removeSharedMailbox(ctx.db, address);
  await audit(ctx, 'shared.remove', address, {}, tenantId);
  return { address };
}

export async function addSharedMember(ctx: AdminContext, input: { address: string; member: string } & directory.MemberOptions): Promise<SharedMember> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, tenantId } = await sharedForAdmin(ctx, input.address);
  const member = await directory.addSharedMember(ctx.db, address, input.member, input);
  await audit(ctx, 'shared.member-add', address, { member: member.address, rights: member.rights, sendAs: member.sendAs, sendOnBehalf: member.sendOnBehalf }, tenantId);
  return member;
}

export async function removeSharedMember(ctx: AdminContext, input: { address: string; member: string }): Promise<{ address: string; member: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, tenantId } = await sharedForAdmin(ctx, input.address);
  await directory.removeSharedMember(ctx.db, address, input.member);
  await audit(ctx, 'shared.member-remove', address, { member: input.member }, tenantId);
  return { address, member: input.member };
}

/**
 * Grants or withdraws send-as / send-on-behalf on a shared mailbox's or a user's addresses (an
 * assistant sending on behalf of a manager). The grantee must be of the same organisation.
 */
export async function setSendRight(ctx: AdminContext, input: { address: string; grantee: string; kind: SendRightKind; granted: boolean }): Promise<{ address: string; grantee: string; kind: SendRightKind; granted: boolean }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  if (!directory.SEND_RIGHT_KINDS.includes(input.kind)) throw new DirectoryError('invalid', `a send right is one of ${directory.SEND_RIGHT_KINDS.join(', ')}`, 'kind');
  const { address, domain } = await adminDomainOf(ctx, input.address);
  const owner = await ctx.db.selectFrom('addresses').select('principal_id').where('address', '=', address).executeTakeFirst();
  const grantee = normalizeAddress(input.grantee).address;
  const granteeRow = await ctx.db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .select(['p.id', 'p.tenant_id', 'p.kind'])
    .where('a.address', '=', grantee)
    .executeTakeFirst();
  if (!owner) throw new DirectoryError('not_found', `no such address: ${address}`, 'address');
  if (!granteeRow || Number(granteeRow.tenant_id) !== Number(domain.tenant_id) || granteeRow.kind !== 'user') throw new DirectoryError('not_found', `no such user in this organisation: ${grantee}`, 'grantee');
  await directory.setSendRight(ctx.db, Number(owner.principal_id), Number(granteeRow.id), input.kind, input.granted);
  await audit(ctx, input.granted ? 'shared.send-grant' : 'shared.send-revoke', address, { grantee, kind: input.kind }, domain.tenant_id);
  return { address, grantee, kind: input.kind, granted: input.granted };
}

/** Shares one folder of a user with a colleague, as the user could with IMAP SETACL; '' withdraws it. */
export async function grantFolder(ctx: AdminContext, input: { owner: string; folder: string; grantee: string; rights: string }): Promise<{ owner: string; folder: string; grantee: string; rights: string }> {
  requireScope(ctx, 'directory:write');
  requireAdmin(ctx);
  const { address, domain } = await adminDomainOf(ctx, input.owner, 'owner');
  const rights = await directory.grantFolder(ctx.db, address, input.folder, input.grantee, input.rights);
  await audit(ctx, 'shared.folder-grant', address, { folder: input.folder, grantee: input.grantee, rights }, domain.tenant_id);
  return { owner: address, folder: input.folder, grantee: normalizeAddress(input.grantee).address, rights };
}

/**
 * The role mailboxes (info@, sales@, support@, ...) of a new domain, each shared with `members`
 * with the default member rights; `domain add` calls this when the admin asks for them.
 */
export async function createRoleMailboxes(ctx: AdminContext, domainName: string, localParts: readonly string[], members: readonly string[]): Promise<SharedMailboxSummary[]> {
  const created: SharedMailboxSummary[] = [];
  for (const local of localParts) created.push(await addShared(ctx, { address: `${local}@${domainName}`, members: [...members] }));
  return created;
}
