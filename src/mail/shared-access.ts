import type { Kysely } from 'kysely';

import type { Database, Mailbox } from '../store/schema.ts';
import { ALL_RIGHTS, applyRightsChange } from './acl.ts';
import { MailError } from './errors.ts';
import { findMailbox, HIERARCHY_SEPARATOR, normalizeMailboxName } from './mailboxes.ts';

/**
 * Where other principals' mailboxes appear to someone they are shared with:
 * `Shared/<owner address>/<folder>`, e.g. `Shared/support@example.com/INBOX` (the RFC 2342
 * "other users"/"shared" namespace; IMAP advertises it in NAMESPACE). A shared mailbox such as
 * support@ and a user who shares one folder look the same. Flags are kept once per entry, so
 * every member sees the same \Seen and \Flagged (as Dovecot does unless told otherwise).
 */
export const SHARED_ROOT = 'Shared';

const RIGHT_NAMES: Record<string, string> = {
  l: 'lookup',
  r: 'read',
  s: 'keep seen',
  w: 'write flags',
  i: 'insert',
  p: 'post',
  k: 'create mailboxes',
  x: 'delete mailbox',
  t: 'delete messages',
  e: 'expunge',
  a: 'administer',
};

/** A mailbox as one principal reaches it: whose it is, its name as that principal sees it, and the principal's rights on it. */
export interface MailboxAccess {
  /** The owning account, which every MailStore call about this mailbox takes. */
  accountId: number;
  mailbox: Mailbox;
  /** `INBOX` for one's own, `Shared/support@example.com/INBOX` for another's. */
  name: string;
  rights: string;
  /** The owner's address when the mailbox is another principal's; null for one's own. */
  owner: string | null;
}

export interface AclEntry {
  /** The grantee's login or primary address; the owner comes first. */
  identifier: string;
  rights: string;
}

export function sharedName(ownerAddress: string, folder: string): string {
  return `${SHARED_ROOT}${HIERARCHY_SEPARATOR}${ownerAddress}${HIERARCHY_SEPARATOR}${folder}`;
}

/** `Shared/<owner>/<folder>` split up; null for a personal name. `Shared` and `Shared/<owner>` give an empty folder. */
export function parseSharedName(name: string): { owner: string; folder: string } | null {
  if (name !== SHARED_ROOT && !name.startsWith(SHARED_ROOT + HIERARCHY_SEPARATOR)) return null;
  const rest = name.slice(SHARED_ROOT.length + 1);
  const slash = rest.indexOf(HIERARCHY_SEPARATOR);
  if (slash < 0) return { owner: rest.toLowerCase(), folder: '' };
  return { owner: rest.slice(0, slash).toLowerCase(), folder: rest.slice(slash + 1) };
}

/** Throws unless `rights` hold every letter of `need`. */
export function requireRights(access: MailboxAccess, need: string): void {
  for (const right of need) {
    if (!access.rights.includes(right)) throw new MailError('no_permission', `you lack the ${right} (${RIGHT_NAMES[right]}) right on ${access.name}`);
  }
}

/** The principal behind an address (primary or alias), with the name it is known by. */
async function principalByAddress(db: Kysely<Database>, address: string): Promise<{ id: number; tenantId: number; identifier: string } | null> {
  const row = await db
    .selectFrom('addresses as a')
    .innerJoin('principals as p', 'p.id', 'a.principal_id')
    .select(['p.id', 'p.tenant_id', 'p.login'])
    .where('a.address', '=', address.trim().toLowerCase())
    .executeTakeFirst();
  if (!row) return null;
  return { id: Number(row.id), tenantId: Number(row.tenant_id), identifier: row.login ?? (await identifierOf(db, Number(row.id))) };
}

/** How ACLs and shared names show a principal: its login (users), else its primary address (shared mailboxes). */
async function identifierOf(db: Kysely<Database>, principalId: number): Promise<string> {
  const row = await db
    .selectFrom('principals as p')
    .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.login', 'a.address'])
    .where('p.id', '=', principalId)
    .executeTakeFirst();
  return row?.address ?? row?.login ?? String(principalId);
}

/** Sets (or with '' removes) one grantee's rights on one mailbox. */
async function writeAcl(db: Kysely<Database>, mailboxId: number, granteeId: number, rights: string): Promise<void> {
  await db.deleteFrom('mailbox_acl').where('mailbox_id', '=', mailboxId).where('grantee_id', '=', granteeId).execute();
  if (rights !== '') await db.insertInto('mailbox_acl').values({ mailbox_id: mailboxId, grantee_id: granteeId, rights }).execute();
}

/**
 * Grants one principal the same rights on every mailbox of an account, or takes them away
 * with ''; how members are given a shared mailbox (directory/shared-mailboxes.ts).
 */
export async function setAccountAcl(db: Kysely<Database>, ownerId: number, granteeId: number, rights: string): Promise<number[]> {
  const mailboxes = await db.selectFrom('mailboxes').select('id').where('account_id', '=', ownerId).execute();
  for (const m of mailboxes) await writeAcl(db, Number(m.id), granteeId, rights);
  return mailboxes.map((m) => Number(m.id));
}

/** Whether a message with these bytes sits in one of these mailboxes of the account: what a grantee of them may download. */
export async function blobInMailboxes(db: Kysely<Database>, accountId: number, mailboxIds: readonly number[], hash: string): Promise<boolean> {
  if (mailboxIds.length === 0) return false;
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('mailbox_entries as e', 'e.message_id', 'm.id')
    .select('m.id')
    .where('m.account_id', '=', accountId)
    .where('m.blob_hash', '=', hash)
    .where('e.mailbox_id', 'in', [...mailboxIds])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Access checks and ACLs (RFC 4314) for the mail core: which mailboxes a principal reaches under
 * which name and with which rights. Protocols resolve a name here, then call MailStore with the
 * owner's account id; what a right allows is checked here and in MailStore, never re-decided by a
 * protocol.
 */
export class SharedAccess {
  constructor(private readonly db: Kysely<Database>) {}

  /** A principal's rights on a mailbox: all for the owner, else what the ACL grants. */
  async rightsOn(principalId: number, mailbox: Pick<Mailbox, 'id' | 'account_id'>): Promise<string> {
    if (Number(mailbox.account_id) === principalId) return ALL_RIGHTS;
    const row = await this.db.selectFrom('mailbox_acl').select('rights').where('mailbox_id', '=', mailbox.id).where('grantee_id', '=', principalId).executeTakeFirst();
    return row?.rights ?? '';
  }

  /**
   * The mailbox a principal means by `name`, with its rights; refuses without the rights in
   * `need`. A mailbox the principal may neither look up nor read does not exist for it
   * (RFC 4314 §6: its existence must not leak).
   */
  async resolve(principalId: number, name: string, need = ''): Promise<MailboxAccess> {
    const shared = parseSharedName(name);
    if (!shared) {
      const mailbox = await findMailbox(this.db, principalId, name);
      return { accountId: principalId, mailbox, name: mailbox.name, rights: ALL_RIGHTS, owner: null };
    }
    const missing = new MailError('not_found', `no mailbox named ${name}`);
    if (shared.folder === '') throw missing;
    const owner = await principalByAddress(this.db, shared.owner);
    if (!owner) throw missing;
    const folder = normalizeMailboxName(shared.folder);
    const mailbox = await this.db.selectFrom('mailboxes').selectAll().where('account_id', '=', owner.id).where('name', '=', folder).executeTakeFirst();
    if (!mailbox) throw missing;
    const rights = await this.rightsOn(principalId, mailbox);
    if (!rights.includes('l') && !rights.includes('r')) throw missing;
    const access: MailboxAccess = { accountId: owner.id, mailbox, name: sharedName(owner.identifier, mailbox.name), rights, owner: owner.identifier };
    requireRights(access, need);
    return access;
  }

  /** Every mailbox of another principal this one may look up (l), under its shared name. */
  async sharedWith(principalId: number): Promise<MailboxAccess[]> {
    const rows = await this.db
      .selectFrom('mailbox_acl as acl')
      .innerJoin('mailboxes as m', 'm.id', 'acl.mailbox_id')
      .innerJoin('principals as p', 'p.id', 'm.account_id')
      .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
      .selectAll('m')
      .select(['acl.rights', 'p.login', 'a.address'])
      .where('acl.grantee_id', '=', principalId)
      .where('p.disabled', '=', 0)
      .execute();
    return rows
      .filter((row) => row.rights.includes('l') && Number(row.account_id) !== principalId)
      .map(({ rights, login, address, ...mailbox }) => {
        const owner = address ?? login ?? String(mailbox.account_id);
        return { accountId: Number(mailbox.account_id), mailbox, name: sharedName(owner, mailbox.name), rights, owner };
      });
  }

  /** Where a new mailbox `name` goes and that the principal may create it: k on its parent for a shared one. */
  async creationTarget(principalId: number, name: string): Promise<{ accountId: number; folder: string; parent: MailboxAccess | null }> {
    const shared = parseSharedName(name);
    if (!shared) return { accountId: principalId, folder: name, parent: null };
    const cut = name.lastIndexOf(HIERARCHY_SEPARATOR);
    const parentName = name.slice(0, cut);
    if (!shared.folder || !parseSharedName(parentName)?.folder) throw new MailError('no_permission', `${SHARED_ROOT} holds mailboxes others share; a new one goes inside one of them`);
    const parent = await this.resolve(principalId, parentName, 'k');
    return { accountId: parent.accountId, folder: `${parent.mailbox.name}${name.slice(cut)}`, parent };
  }

  /** Gives new child mailboxes the ACL of their parent, so everyone who shared the parent shares them. */
  async inheritAcl(parentMailboxId: number, childIds: number[]): Promise<void> {
    const rows = await this.db.selectFrom('mailbox_acl').select(['grantee_id', 'rights']).where('mailbox_id', '=', parentMailboxId).execute();
    for (const id of childIds) for (const row of rows) await writeAcl(this.db, id, Number(row.grantee_id), row.rights);
  }

  /** GETACL (RFC 4314 §3.3): the owner with every right, then each grantee. Needs a. */
  async getAcl(principalId: number, name: string): Promise<{ access: MailboxAccess; entries: AclEntry[] }> {
    const access = await this.resolve(principalId, name, 'a');
    const rows = await this.db
      .selectFrom('mailbox_acl')
      .select(['grantee_id', 'rights'])
      .where('mailbox_id', '=', access.mailbox.id)
      .orderBy('grantee_id')
      .execute();
    const entries = [{ identifier: await identifierOf(this.db, access.accountId), rights: ALL_RIGHTS }];
    for (const row of rows) entries.push({ identifier: await identifierOf(this.db, Number(row.grantee_id)), rights: row.rights });
    return { access, entries };
  }

  /**
   * SETACL and DELETEACL (RFC 4314 §3.1-3.2): `change` is "+rights", "-rights", new rights, or
   * null to delete the entry. Needs a. Grantees are principals of the owner's organisation;
   * the owner's own rights cannot change. Returns the grantee's rights afterwards.
   */
  async setAcl(principalId: number, name: string, identifier: string, change: string | null): Promise<string> {
    const access = await this.resolve(principalId, name, 'a');
    const owner = await this.db.selectFrom('principals').select('tenant_id').where('id', '=', access.accountId).executeTakeFirstOrThrow();
    const grantee = await principalByAddress(this.db, identifier);
    if (!grantee || grantee.tenantId !== Number(owner.tenant_id)) throw new MailError('invalid', `no such user in this organisation: ${identifier}`);
    if (grantee.id === access.accountId) throw new MailError('invalid', `${identifier} owns ${access.name} and always has every right`);
    const current = await this.rightsOn(grantee.id, access.mailbox);
    const rights = change === null ? '' : applyRightsChange(current, change);
    await writeAcl(this.db, access.mailbox.id, grantee.id, rights);
    return rights;
  }

  /**
   * LISTRIGHTS (RFC 4314 §3.4): the rights always granted to an identifier (the owner: all of
   * them) and the ones that may be granted, each independently (RIGHTS=texk). Needs a.
   */
  async listRights(principalId: number, name: string, identifier: string): Promise<{ access: MailboxAccess; required: string; optional: string[] }> {
    const access = await this.resolve(principalId, name, 'a');
    const grantee = await principalByAddress(this.db, identifier);
    if (grantee?.id === access.accountId) return { access, required: ALL_RIGHTS, optional: [] };
    return { access, required: '', optional: [...ALL_RIGHTS] };
  }
}
