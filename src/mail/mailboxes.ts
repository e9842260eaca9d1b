import { sql, type Kysely } from 'kysely';

import type { Database, Mailbox } from '../store/schema.ts';
import { recordManyChanges } from './entry-writes.ts';
import { MailError } from './errors.ts';
import { CHANGE_CREATED, CHANGE_UPDATED, nextModseq, recordChanges } from './modseq.ts';

export const HIERARCHY_SEPARATOR = '/';

/**
 * Created with every account, with their RFC 6154 special-use attributes, so that clients that
 * never ask for SPECIAL-USE (Apple Mail, Outlook) find them instead of making their own.
 */
export const DEFAULT_MAILBOXES: { name: string; specialUse: string | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/**
 * UIDVALIDITY from the clock, and always above the account's last one, so a mailbox deleted and
 * re-created under the same name never reuses one, even within the same second.
 */
async function newUidValidity(trx: Kysely<Database>, accountId: number): Promise<number> {
  const clock = Math.floor(Date.now() / 1000) % 0x7fffffff || 1;
  const row = await trx
    .updateTable('principals')
    .set({ last_uidvalidity: sql`case when last_uidvalidity >= ${clock} then last_uidvalidity + 1 else ${clock} end` })
    .where('id', '=', accountId)
    .returning('last_uidvalidity')
    .executeTakeFirstOrThrow();
  return Number(row.last_uidvalidity);
}

/** INBOX is case-insensitive (RFC 9051 §5.1); every other name is kept as given. */
export function normalizeMailboxName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed.toUpperCase() === 'INBOX') return 'INBOX';
  if (trimmed.toUpperCase().startsWith(`INBOX${HIERARCHY_SEPARATOR}`)) return `INBOX${trimmed.slice(5)}`;
  return trimmed;
}

/** An account's own folders, subscribed so that clients showing only subscriptions see them. */
export async function createDefaultMailboxes(trx: Kysely<Database>, accountId: number): Promise<void> {
  for (const mailbox of DEFAULT_MAILBOXES) await createMailbox(trx, accountId, mailbox.name, mailbox.specialUse);
  await trx
    .insertInto('subscriptions')
    .values(DEFAULT_MAILBOXES.map((m) => ({ account_id: accountId, name: m.name })))
    .execute();
}

/**
 * Refuses names with empty levels, control characters, or LIST's wildcards `*` and `%`, which
 * no client could then list by name (RFC 9051 §6.3.9).
 */
function validName(rawName: string): string {
  const name = normalizeMailboxName(rawName);
  if (name === '' || name.split(HIERARCHY_SEPARATOR).some((part) => part === '') || /[*%\p{Cc}]/u.test(name)) {
    throw new MailError('invalid', `invalid mailbox name: ${rawName}`);
  }
  return name;
}

export async function createMailbox(trx: Kysely<Database>, accountId: number, rawName: string, specialUse: string | null = null): Promise<Mailbox> {
  const name = validName(rawName);
  const existing = await trx.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new MailError('exists', `mailbox ${name} already exists`);
  const modseq = await nextModseq(trx, accountId);
  const mailbox = await trx
    .insertInto('mailboxes')
    .values({ account_id: accountId, name, special_use: specialUse, uidvalidity: await newUidValidity(trx, accountId), uidnext: 1, highest_modseq: modseq, created_at: Date.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordChanges(trx, accountId, modseq, [{ type: 'Mailbox', objectId: mailbox.id, op: CHANGE_CREATED }]);
  return mailbox;
}

export async function findMailbox(db: Kysely<Database>, accountId: number, name: string): Promise<Mailbox> {
  const mailbox = await db.selectFrom('mailboxes').selectAll().where('account_id', '=', accountId).where('name', '=', normalizeMailboxName(name)).executeTakeFirst();
  if (!mailbox) throw new MailError('not_found', `no mailbox named ${name}`);
  return mailbox;
}

export async function findSpecialUse(db: Kysely<Database>, accountId: number, specialUse: string): Promise<Mailbox | undefined> {
  return db.selectFrom('mailboxes').selectAll().where('account_id', '=', accountId).where('special_use', '=', specialUse).executeTakeFirst();
}

export async function listMailboxes(db: Kysely<Database>, accountId: number): Promise<Mailbox[]> {
  return db.selectFrom('mailboxes').selectAll().where('account_id', '=', accountId).orderBy('name').execute();
}

/** What every protocol is told about a mailbox. */
export interface MailboxInfo {
  id: number;
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  uidvalidity: number;
  uidnext: number;
  highestModseq: number;
}

/** The account's subscribed names (RFC 9051 §6.3.7), existing as mailboxes or not. */
export async function listSubscriptions(db: Kysely<Database>, accountId: number): Promise<Set<string>> {
  const rows = await db.selectFrom('subscriptions').select('name').where('account_id', '=', accountId).execute();
  return new Set(rows.map((r) => r.name));
}

export function mailboxInfo(row: Mailbox, subscriptions: Set<string>): MailboxInfo {
  return {
    id: Number(row.id),
    name: row.name,
    specialUse: row.special_use,
    subscribed: subscriptions.has(row.name),
    uidvalidity: Number(row.uidvalidity),
    uidnext: Number(row.uidnext),
    highestModseq: Number(row.highest_modseq),
  };
}

// RFC 6154 §2 and RFC 8457: the uses a real mailbox can have. \All and \Flagged describe
// virtual mailboxes, which Petrel does not have, so asking for them is refused.
const SPECIAL_USES = ['\\Archive', '\\Drafts', '\\Important', '\\Junk', '\\Sent', '\\Trash'];

/** `a/b/c` → `a`, `a/b`: the names that must exist before `a/b/c` may. */
function superiorsOf(name: string): string[] {
  const parts = name.split(HIERARCHY_SEPARATOR);
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join(HIERARCHY_SEPARATOR));
}

async function createMissingSuperiors(trx: Kysely<Database>, accountId: number, name: string): Promise<Mailbox[]> {
  const created: Mailbox[] = [];
  for (const superior of superiorsOf(name)) {
    const exists = await trx.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('name', '=', superior).executeTakeFirst();
    if (!exists) created.push(await createMailbox(trx, accountId, superior));
  }
  return created;
}

/**
 * Creates a mailbox and any of its superiors that are missing (RFC 9051 §6.3.4). A special use
 * is given to one mailbox of an account only (RFC 6154 §5.1), so clients know where to file.
 * Returns every mailbox created, the requested one last.
 */
export async function createMailboxPath(trx: Kysely<Database>, accountId: number, rawName: string, specialUse: string | null = null): Promise<Mailbox[]> {
  const name = validName(rawName);
  let use: string | null = null;
  if (specialUse !== null) {
    use = SPECIAL_USES.find((u) => u.toLowerCase() === specialUse.toLowerCase()) ?? null;
    if (use === null) throw new MailError('invalid', `special-use ${specialUse} is not supported`);
    if (await findSpecialUse(trx, accountId, use)) throw new MailError('special_use_taken', `special-use ${use} is already used by another mailbox`);
  }
  const existing = await trx.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new MailError('exists', `mailbox ${name} already exists`);
  const superiors = await createMissingSuperiors(trx, accountId, name);
  return [...superiors, await createMailbox(trx, accountId, name, use)];
}

/**
 * Renames a mailbox and its inferiors (`a` → `b` takes `a/x` to `b/x`), creating missing
 * superiors of the new name. UIDVALIDITY stays: the entries are the same. Not for INBOX, whose
 * rename moves its messages instead (RFC 9051 §6.3.6). Returns the ids of every mailbox touched.
 */
export async function renameMailboxTree(trx: Kysely<Database>, accountId: number, from: Mailbox, rawTo: string): Promise<number[]> {
  const to = validName(rawTo);
  if (to === from.name || to === 'INBOX') throw new MailError('exists', `mailbox ${to} already exists`);
  const prefix = `${from.name}${HIERARCHY_SEPARATOR}`;
  if (to.startsWith(prefix)) throw new MailError('invalid', `cannot rename ${from.name} to its own inferior ${to}`);
  const all = await trx.selectFrom('mailboxes').select(['id', 'name']).where('account_id', '=', accountId).execute();
  const moving = all.filter((m) => m.name === from.name || m.name.startsWith(prefix)).map((m) => ({ id: Number(m.id), name: to + m.name.slice(from.name.length) }));
  const taken = new Set(all.map((m) => m.name));
  const clash = moving.find((m) => taken.has(m.name));
  if (clash) throw new MailError('exists', `mailbox ${clash.name} already exists`);
  const superiors = await createMissingSuperiors(trx, accountId, to);
  for (const m of moving) await trx.updateTable('mailboxes').set({ name: m.name }).where('id', '=', m.id).execute();
  return [...superiors.map((m) => Number(m.id)), ...moving.map((m) => m.id)];
}

/**
 * RFC 9051 §6.3.6: renaming INBOX moves all its messages to a new mailbox of the new name and
 * leaves INBOX, with its inferiors, in place. The entries keep their UIDs in their new mailbox
 * (which starts empty) and leave tombstones in INBOX for QRESYNC clients.
 */
export async function moveInboxTo(trx: Kysely<Database>, accountId: number, inbox: Mailbox, rawTo: string): Promise<{ modseq: number; mailboxIds: number[] }> {
  const created = await createMailboxPath(trx, accountId, rawTo);
  const target = created[created.length - 1];
  const modseq = await nextModseq(trx, accountId);
  const current = await trx.selectFrom('mailboxes').select('uidnext').where('id', '=', inbox.id).executeTakeFirstOrThrow();
  const moved = await trx.selectFrom('mailbox_entries').select('message_id').distinct().where('mailbox_id', '=', inbox.id).execute();
  await sql`insert into expunged_entries (mailbox_id, uid, modseq) select mailbox_id, uid, ${modseq} from mailbox_entries where mailbox_id = ${inbox.id}`.execute(trx);
  await trx.updateTable('mailbox_entries').set({ mailbox_id: target.id }).where('mailbox_id', '=', inbox.id).execute();
  await trx.updateTable('mailboxes').set({ uidnext: current.uidnext, highest_modseq: modseq }).where('id', '=', target.id).execute();
  await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', inbox.id).execute();
  await recordManyChanges(trx, accountId, modseq, [
    ...moved.map((m) => ({ type: 'Email' as const, objectId: Number(m.message_id), op: CHANGE_UPDATED })),
    { type: 'Mailbox', objectId: inbox.id, op: CHANGE_UPDATED },
    { type: 'Mailbox', objectId: target.id, op: CHANGE_UPDATED },
  ]);
  return { modseq, mailboxIds: [...created.map((m) => Number(m.id)), inbox.id] };
}
