// Email keyword and mailbox changes as mail-core writes on the message's entries, the same writes
// IMAP STORE, COPY, MOVE and EXPUNGE make, so both protocols see one history.
import { entriesOf, readEmails, type EmailRecord } from '../../mail/email-views.ts';
import { MailError } from '../../mail/errors.ts';
import { parseMailboxObjectId } from '../../mail/object-ids.ts';
import type { JmapContext } from '../context.ts';
import { resolveCreationRef, SetFailure } from './common.ts';
import { keywordsOf } from './email-view.ts';

const IMAP_NAMES: Record<string, string> = { $seen: '\\Seen', $flagged: '\\Flagged', $answered: '\\Answered', $draft: '\\Draft' };

// RFC 8621 §4.1.1: a keyword is an IMAP flag-keyword atom (RFC 3501 §9: no SP, ( ) { ] % * " \), compared in lower case.
const KEYWORD = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c\x7e]{1,255}$/;

export function validKeyword(keyword: string): boolean {
  return KEYWORD.test(keyword) && keyword.toLowerCase() !== '$recent' && keyword.toLowerCase() !== '$deleted';
}

function imapName(keyword: string): string {
  return IMAP_NAMES[keyword] ?? keyword;
}

export function mailWriteFailure(err: unknown): never {
  if (err instanceof MailError) {
    if (err.code === 'over_quota') throw new SetFailure('overQuota', err.message);
    if (err.code === 'not_found') throw new SetFailure('notFound', err.message);
    if (err.code === 'no_permission') throw new SetFailure('forbidden', err.message);
    if (err.code === 'too_large') throw new SetFailure('tooLarge', err.message);
  }
  throw err;
}

/** The email's current record, or notFound. */
export async function loadEmail(ctx: JmapContext, accountId: number, messageId: number): Promise<EmailRecord> {
  const record = (await readEmails(ctx.services.store.db, accountId, [messageId])).get(messageId);
  if (!record) throw new SetFailure('notFound', 'no such email');
  return record;
}

async function uidsByMailbox(ctx: JmapContext, accountId: number, messageId: number): Promise<Map<number, number[]>> {
  const byMailbox = new Map<number, number[]>();
  for (const e of await entriesOf(ctx.services.store.db, accountId, [messageId])) byMailbox.set(e.mailboxId, [...(byMailbox.get(e.mailboxId) ?? []), e.uid]);
  return byMailbox;
}

/** Sets the email's keywords to exactly `wanted` (lower case) on every entry; \Deleted is left as each entry has it. */
export async function setKeywords(ctx: JmapContext, accountId: number, record: EmailRecord, wanted: Set<string>): Promise<void> {
  const current = new Set(Object.keys(keywordsOf(record.flags, record.keywords)));
  const add = [...wanted].filter((k) => !current.has(k)).map(imapName);
  const remove = [...current].filter((k) => !wanted.has(k)).map(imapName);
  if (add.length === 0 && remove.length === 0) return;
  for (const [mailboxId, uids] of await uidsByMailbox(ctx, accountId, record.id)) {
    if (add.length > 0) await ctx.services.mail.storeFlags(accountId, mailboxId, uids, 'add', add).catch(mailWriteFailure);
    if (remove.length > 0) await ctx.services.mail.storeFlags(accountId, mailboxId, uids, 'remove', remove).catch(mailWriteFailure);
  }
}

/**
 * Puts the email in exactly these mailboxes: a mailbox swapped for another is an IMAP MOVE, one
 * added a COPY, one left an EXPUNGE, in that order so the message always keeps an entry.
 */
export async function setMailboxes(ctx: JmapContext, accountId: number, record: EmailRecord, wanted: Set<number>): Promise<void> {
  if (wanted.size === 0) throw new SetFailure('invalidProperties', 'an email must be in at least one mailbox', ['mailboxIds']);
  const known = new Set((await ctx.services.mail.listMailboxes(accountId)).map((m) => m.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) throw new SetFailure('invalidProperties', 'no such mailbox', ['mailboxIds']);
  const byMailbox = await uidsByMailbox(ctx, accountId, record.id);
  const added = [...wanted].filter((id) => !byMailbox.has(id));
  const removed = [...byMailbox.keys()].filter((id) => !wanted.has(id));
  const mail = ctx.services.mail;
  const moves = Math.min(added.length, removed.length);
  const [source] = byMailbox.keys();
  for (const to of added.slice(moves)) await mail.copyEntries(accountId, source, byMailbox.get(source)!.slice(0, 1), to).catch(mailWriteFailure);
  for (let i = 0; i < moves; i++) await mail.moveEntries(accountId, removed[i], byMailbox.get(removed[i])!, added[i]).catch(mailWriteFailure);
  for (const from of removed.slice(moves)) await mail.expunge(accountId, from, byMailbox.get(from)!).catch(mailWriteFailure);
}

/** Removes every entry of the email, which destroys it (RFC 8621 §4.6). */
export async function destroyEmail(ctx: JmapContext, accountId: number, messageId: number): Promise<void> {
  const byMailbox = await uidsByMailbox(ctx, accountId, messageId);
  if (byMailbox.size === 0) throw new SetFailure('notFound', 'no such email');
  for (const [mailboxId, uids] of byMailbox) await ctx.services.mail.expunge(accountId, mailboxId, uids).catch(mailWriteFailure);
}

export function keywordSet(value: unknown): Set<string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SetFailure('invalidProperties', 'keywords must map keywords to true', ['keywords']);
  const result = new Set<string>();
  for (const [k, v] of Object.entries(value)) {
    if (v !== true || !validKeyword(k)) throw new SetFailure('invalidProperties', `bad keyword ${k}`, ['keywords']);
    result.add(k.toLowerCase());
  }
  return result;
}

export function mailboxNumber(id: string, createdIds: Map<string, string>): number {
  const resolved = resolveCreationRef(id, createdIds);
  const numeric = resolved === null ? null : parseMailboxObjectId(resolved);
  if (numeric === null) throw new SetFailure('invalidProperties', `no mailbox ${id}`, ['mailboxIds']);
  return numeric;
}

export function mailboxSet(value: unknown, createdIds: Map<string, string>): Set<number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SetFailure('invalidProperties', 'mailboxIds must map mailbox ids to true', ['mailboxIds']);
  const result = new Set<number>();
  for (const [id, v] of Object.entries(value)) {
    if (v !== true) throw new SetFailure('invalidProperties', 'mailboxIds values must be true', ['mailboxIds']);
    result.add(mailboxNumber(id, createdIds));
  }
  return result;
}
