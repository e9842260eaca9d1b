import { sql, type Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { FLAG_SEEN } from './flags.ts';
import type { Envelope } from './mime/index.ts';
import { chunked } from './uid-ranges.ts';

// Ids per IN list: far below both engines' parameter limits.
const IDS_PER_QUERY = 1000;

/**
 * A message as JMAP sees it: one Email however many mailboxes hold it. Its flags and keywords are
 * those of all its entries together, so a message seen in one mailbox reads as seen (RFC 8621
 * §4.1.1 keeps keywords per Email, not per mailbox).
 */
export interface EmailRecord {
  id: number;
  blobHash: string;
  threadId: number;
  size: number;
  receivedAt: number;
  sentAt: number | null;
  hasAttachment: boolean;
  preview: string;
  /** Decoded Subject. */
  subject: string;
  /** The IMAP envelope as stored: unfolded, not RFC 2047-decoded. */
  rawEnvelope: Envelope;
  messageId: string | null;
  headerSize: number;
  mailboxIds: number[];
  flags: number;
  keywords: string[];
}

/** The account's messages with these ids; ids that are not the account's are left out. */
export async function readEmails(db: Kysely<Database>, accountId: number, ids: readonly number[]): Promise<Map<number, EmailRecord>> {
  const result = new Map<number, EmailRecord>();
  for (const slice of chunked([...new Set(ids)], IDS_PER_QUERY)) {
    const messages = await db
      .selectFrom('messages')
      .select(['id', 'account_id', 'blob_hash', 'thread_id', 'size', 'received_at', 'sent_at', 'has_attachment', 'preview', 'subject', 'envelope', 'message_id', 'header_size'])
      .where('id', 'in', slice)
      .execute()
      // By primary key alone: with account_id in the WHERE, SQLite may pick an account index and scan the whole account.
      .then((rows) => rows.filter((r) => Number(r.account_id) === accountId));
    if (messages.length === 0) continue;
    const entries = await db
      .selectFrom('mailbox_entries')
      .select(['message_id', 'mailbox_id', 'flags', 'keywords'])
      .where('message_id', 'in', messages.map((m) => m.id))
      .execute();
    for (const m of messages) {
      result.set(Number(m.id), {
        id: Number(m.id),
        blobHash: m.blob_hash,
        threadId: Number(m.thread_id),
        size: Number(m.size),
        receivedAt: Number(m.received_at),
        sentAt: m.sent_at === null ? null : Number(m.sent_at),
        hasAttachment: Number(m.has_attachment) !== 0,
        preview: m.preview,
        subject: m.subject,
        rawEnvelope: JSON.parse(m.envelope) as Envelope,
        messageId: m.message_id,
        headerSize: Number(m.header_size),
        mailboxIds: [],
        flags: 0,
        keywords: [],
      });
    }
    for (const e of entries) {
      const record = result.get(Number(e.message_id));
      if (!record) continue;
      record.mailboxIds.push(Number(e.mailbox_id));
      record.flags |= Number(e.flags);
      for (const k of e.keywords ? e.keywords.split(' ') : []) if (!record.keywords.some((x) => x.toLowerCase() === k.toLowerCase())) record.keywords.push(k);
    }
  }
  return result;
}

/** Each thread's messages, oldest first (RFC 8621 §3: a Thread's emailIds are sorted by receivedAt). */
export async function threadMembers(db: Kysely<Database>, accountId: number, threadIds: readonly number[]): Promise<Map<number, number[]>> {
  const result = new Map<number, number[]>();
  for (const slice of chunked([...new Set(threadIds)], IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('messages')
      .select(['id', 'thread_id', 'received_at'])
      .where('account_id', '=', accountId)
      .where('thread_id', 'in', slice)
      .execute();
    // Sorted here: an ORDER BY received_at tempts SQLite into walking the whole account by its received index.
    rows.sort((a, b) => Number(a.received_at) - Number(b.received_at) || Number(a.id) - Number(b.id));
    for (const r of rows) {
      const list = result.get(Number(r.thread_id)) ?? [];
      list.push(Number(r.id));
      result.set(Number(r.thread_id), list);
    }
  }
  return result;
}

/** RFC 8621 §2 email counts of these mailboxes, from the (mailbox_id, flags) index alone. */
export async function mailboxEmailCounts(db: Kysely<Database>, mailboxIds: readonly number[]): Promise<Map<number, { totalEmails: number; unreadEmails: number }>> {
  const result = new Map<number, { totalEmails: number; unreadEmails: number }>();
  for (const slice of chunked(mailboxIds, IDS_PER_QUERY)) {
    if (slice.length === 0) continue;
    const rows = await sql<{ mailbox_id: number; total: number; unread: number | null }>`select e.mailbox_id, count(*) as total,
        sum(case when (e.flags & ${FLAG_SEEN}) = 0 then 1 else 0 end) as unread
      from mailbox_entries e where e.mailbox_id in (${sql.join(slice)}) group by e.mailbox_id`.execute(db);
    for (const r of rows.rows) result.set(Number(r.mailbox_id), { totalEmails: Number(r.total), unreadEmails: Number(r.unread ?? 0) });
  }
  return result;
}

/**
 * RFC 8621 §2 thread counts of these mailboxes: threads with an email in the mailbox, and those
 * with an unread one there. This reads every entry's message, so callers ask only when wanted.
 */
export async function mailboxThreadCounts(db: Kysely<Database>, mailboxIds: readonly number[]): Promise<Map<number, { totalThreads: number; unreadThreads: number }>> {
  const result = new Map<number, { totalThreads: number; unreadThreads: number }>();
  for (const slice of chunked(mailboxIds, IDS_PER_QUERY)) {
    if (slice.length === 0) continue;
    const rows = await sql<{ mailbox_id: number; threads: number; unread_threads: number }>`select e.mailbox_id,
        count(distinct m.thread_id) as threads,
        count(distinct case when (e.flags & ${FLAG_SEEN}) = 0 then m.thread_id end) as unread_threads
      from mailbox_entries e join messages m on m.id = e.message_id
      where e.mailbox_id in (${sql.join(slice)}) group by e.mailbox_id`.execute(db);
    for (const r of rows.rows) result.set(Number(r.mailbox_id), { totalThreads: Number(r.threads), unreadThreads: Number(r.unread_threads) });
  }
  return result;
}

/** Every UID the message has, per mailbox: what IMAP-level writes (flags, copy, expunge) take. */
export async function entriesOf(db: Kysely<Database>, accountId: number, messageIds: readonly number[]): Promise<{ messageId: number; mailboxId: number; uid: number }[]> {
  const result: { messageId: number; mailboxId: number; uid: number }[] = [];
  for (const slice of chunked([...new Set(messageIds)], IDS_PER_QUERY)) {
    const rows = await db.selectFrom('mailbox_entries').select(['message_id', 'mailbox_id', 'uid']).where('account_id', '=', accountId).where('message_id', 'in', slice).execute();
    for (const r of rows) result.push({ messageId: Number(r.message_id), mailboxId: Number(r.mailbox_id), uid: Number(r.uid) });
  }
  return result;
}

/** Whether the account holds a message with these bytes or uploaded them: the only blobs it may read. */
export async function accountHasBlob(db: Kysely<Database>, accountId: number, hash: string): Promise<boolean> {
  const row = await db.selectFrom('messages').select('id').where('account_id', '=', accountId).where('blob_hash', '=', hash).limit(1).executeTakeFirst();
  if (row) return true;
  const upload = await db.selectFrom('jmap_uploads').select('blob_hash').where('account_id', '=', accountId).where('blob_hash', '=', hash).executeTakeFirst();
  return upload !== undefined;
}

/** The account's message carrying this Message-ID (without angle brackets), if any: the one an MDN or a reply refers to. */
export async function messageByMessageId(db: Kysely<Database>, accountId: number, messageId: string): Promise<number | null> {
  const row = await db.selectFrom('messages').select('id').where('account_id', '=', accountId).where('message_id', '=', messageId).limit(1).executeTakeFirst();
  return row ? Number(row.id) : null;
}
