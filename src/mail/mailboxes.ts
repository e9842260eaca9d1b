import type { Kysely } from 'kysely';

import type { Database, Mailbox } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { CHANGE_CREATED, nextModseq, recordChanges } from './modseq.ts';

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

/** UIDVALIDITY from the clock, so a mailbox deleted and re-created under the same name never reuses one. */
function newUidValidity(): number {
  return Math.floor(Date.now() / 1000) % 0x7fffffff || 1;
}

/** INBOX is case-insensitive (RFC 9051 §5.1); every other name is kept as given. */
export function normalizeMailboxName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed.toUpperCase() === 'INBOX') return 'INBOX';
  if (trimmed.toUpperCase().startsWith(`INBOX${HIERARCHY_SEPARATOR}`)) return `INBOX${trimmed.slice(5)}`;
  return trimmed;
}

export async function createDefaultMailboxes(trx: Kysely<Database>, accountId: number): Promise<void> {
  for (const mailbox of DEFAULT_MAILBOXES) await createMailbox(trx, accountId, mailbox.name, mailbox.specialUse);
}

export async function createMailbox(trx: Kysely<Database>, accountId: number, rawName: string, specialUse: string | null = null): Promise<Mailbox> {
  const name = normalizeMailboxName(rawName);
  if (name === '' || name.split(HIERARCHY_SEPARATOR).some((part) => part === '')) throw new MailError('invalid', `invalid mailbox name: ${rawName}`);
  const existing = await trx.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new MailError('exists', `mailbox ${name} already exists`);
  const modseq = await nextModseq(trx, accountId);
  const mailbox = await trx
    .insertInto('mailboxes')
    .values({ account_id: accountId, name, special_use: specialUse, uidvalidity: newUidValidity(), uidnext: 1, highest_modseq: modseq, subscribed: 1, created_at: Date.now() })
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
