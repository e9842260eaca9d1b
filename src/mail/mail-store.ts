import { sql } from 'kysely';

import type { ChangeBus } from '../events/change-bus.ts';
import { releaseBlob } from '../store/blob-store.ts';
import type { Store } from '../store/database.ts';
import type { MessageRow } from '../store/schema.ts';
import { writeDelivery, type DeliveredEntry, type Delivery } from './deliver.ts';
import { MailError } from './errors.ts';
import { formatFlags, parseFlags } from './flags.ts';
import { findMailbox } from './mailboxes.ts';
import { CHANGE_DESTROYED, CHANGE_UPDATED, recordChanges } from './modseq.ts';
import { prepareMessage, type PreparedMessage } from './prepared-message.ts';
import { GroupCommit } from './group-commit.ts';

export interface EntrySummary {
  uid: number;
  messageId: number;
  subject: string;
  from: string;
  to: string;
  size: number;
  receivedAt: number;
  sentAt: number | null;
  flags: string[];
  modseq: number;
  threadId: number;
  blobHash: string;
}

/**
 * The mailbox API every protocol uses: deliver, append, list, read, flag, expunge. Nothing outside
 * src/mail decides what a UID, a modseq or an expunge means.
 */
export class MailStore {
  private readonly deliveries: GroupCommit<Delivery, DeliveredEntry[]>;

  constructor(
    readonly store: Store,
    readonly changes: ChangeBus,
  ) {
    this.deliveries = new GroupCommit(
      store.db,
      (trx, delivery) => writeDelivery(trx, store, delivery),
      () => store.durable(),
      (results) => this.announce(results.flat()),
    );
  }

  private announce(entries: DeliveredEntry[]): void {
    const byAccount = new Map<number, { modseq: number; mailboxIds: Set<number> }>();
    for (const entry of entries) {
      const current = byAccount.get(entry.accountId) ?? { modseq: 0, mailboxIds: new Set<number>() };
      current.modseq = Math.max(current.modseq, entry.modseq);
      current.mailboxIds.add(entry.mailboxId);
      byAccount.set(entry.accountId, current);
    }
    for (const [accountId, { modseq, mailboxIds }] of byAccount) this.changes.publish({ accountId, modseq, mailboxIds: [...mailboxIds] });
  }

  /** Parses and hashes a message and makes its bytes durable; the next step is `deliver`. */
  async prepare(raw: Buffer): Promise<PreparedMessage> {
    const message = prepareMessage(raw);
    await this.store.blobs.persist(message.hash, raw);
    return message;
  }

  /** Resolves once the message is committed in every target mailbox; rejects with MailError('over_quota') and writes nothing if any account lacks room. */
  deliver(delivery: Delivery): Promise<DeliveredEntry[]> {
    return this.deliveries.submit(delivery);
  }

  async append(accountId: number, mailboxName: string, raw: Buffer, options: { flags?: string[]; receivedAt?: number } = {}): Promise<DeliveredEntry> {
    const mailbox = await findMailbox(this.store.db, accountId, mailboxName);
    const { flags, keywords } = parseFlags(options.flags ?? []);
    const message = await this.prepare(raw);
    const [entry] = await this.deliver({ message, targets: [{ accountId, mailboxId: mailbox.id, flags, keywords }], receivedAt: options.receivedAt });
    return entry;
  }

  async listEntries(accountId: number, mailboxName: string): Promise<EntrySummary[]> {
    const mailbox = await findMailbox(this.store.db, accountId, mailboxName);
    const rows = await this.store.db
      .selectFrom('mailbox_entries as e')
      .innerJoin('messages as m', 'm.id', 'e.message_id')
      .select(['e.uid', 'e.flags', 'e.keywords', 'e.modseq', 'm.id', 'm.subject', 'm.from_addr', 'm.to_addr', 'm.size', 'm.received_at', 'm.sent_at', 'm.thread_id', 'm.blob_hash'])
      .where('e.mailbox_id', '=', mailbox.id)
      .orderBy('e.uid')
      .execute();
    return rows.map((r) => ({
      uid: Number(r.uid),
      messageId: Number(r.id),
      subject: r.subject,
      from: r.from_addr,
      to: r.to_addr,
      size: Number(r.size),
      receivedAt: Number(r.received_at),
      sentAt: r.sent_at === null ? null : Number(r.sent_at),
      flags: formatFlags(r.flags, r.keywords),
      modseq: Number(r.modseq),
      threadId: Number(r.thread_id),
      blobHash: r.blob_hash,
    }));
  }

  /** The message at one UID of a mailbox, or a MailError naming what was not found. */
  async messageAt(accountId: number, mailboxName: string, uid: number): Promise<MessageRow> {
    const mailbox = await findMailbox(this.store.db, accountId, mailboxName);
    const row = await this.store.db
      .selectFrom('mailbox_entries as e')
      .innerJoin('messages as m', 'm.id', 'e.message_id')
      .selectAll('m')
      .where('e.mailbox_id', '=', mailbox.id)
      .where('e.uid', '=', uid)
      .executeTakeFirst();
    if (!row) throw new MailError('not_found', `no message with UID ${uid} in ${mailbox.name}`);
    return row;
  }

  async getMessage(accountId: number, messageId: number): Promise<MessageRow> {
    const row = await this.store.db.selectFrom('messages').selectAll().where('id', '=', messageId).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new MailError('not_found', `no message ${messageId}`);
    return row;
  }

  async readRaw(accountId: number, messageId: number): Promise<Buffer> {
    const row = await this.getMessage(accountId, messageId);
    return this.store.blobs.read(row.blob_hash);
  }

  /** Adds, removes or replaces flags on entries; each changed entry gets a new modseq. */
  async storeFlags(accountId: number, mailboxId: number, uids: number[], mode: 'add' | 'remove' | 'replace', names: string[]): Promise<number> {
    if (uids.length === 0) return 0;
    const { flags, keywords } = parseFlags(names);
    const db = this.store.db;
    const modseq = await db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('mailbox_entries').select(['uid', 'message_id', 'flags', 'keywords']).where('mailbox_id', '=', mailboxId).where('account_id', '=', accountId).where('uid', 'in', uids).execute();
      const changed = rows
        .map((row) => {
          const current = row.keywords ? row.keywords.split(' ') : [];
          const lower = new Set(keywords.map((k) => k.toLowerCase()));
          let nextFlags = row.flags;
          let nextKeywords = current;
          if (mode === 'add') {
            nextFlags = row.flags | flags;
            nextKeywords = [...current, ...keywords.filter((k) => !current.some((c) => c.toLowerCase() === k.toLowerCase()))];
          } else if (mode === 'remove') {
            nextFlags = row.flags & ~flags;
            nextKeywords = current.filter((c) => !lower.has(c.toLowerCase()));
          } else {
            nextFlags = flags;
            nextKeywords = keywords;
          }
          const joined = nextKeywords.join(' ');
          return nextFlags === row.flags && joined === row.keywords ? null : { uid: row.uid, messageId: row.message_id, flags: nextFlags, keywords: joined };
        })
        .filter((c) => c !== null);
      if (changed.length === 0) return null;
      const { modseq } = await trx.updateTable('principals').set({ modseq: sql`modseq + 1` }).where('id', '=', accountId).returning('modseq').executeTakeFirstOrThrow();
      for (const change of changed) {
        await trx.updateTable('mailbox_entries').set({ flags: change.flags, keywords: change.keywords, modseq }).where('mailbox_id', '=', mailboxId).where('uid', '=', change.uid).execute();
      }
      await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', mailboxId).execute();
      await recordChanges(trx, accountId, Number(modseq), [
        ...changed.map((c) => ({ type: 'Email' as const, objectId: Number(c.messageId), op: CHANGE_UPDATED })),
        { type: 'Mailbox', objectId: mailboxId, op: CHANGE_UPDATED },
      ]);
      return Number(modseq);
    });
    if (modseq !== null) this.changes.publish({ accountId, modseq, mailboxIds: [mailboxId] });
    return modseq ?? 0;
  }

  /**
   * Removes entries from a mailbox. A message whose last entry goes is deleted with its index
   * row, its quota charge and its blob reference; the bytes go after commit.
   */
  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    const db = this.store.db;
    const result = await db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('mailbox_entries').select(['uid', 'message_id']).where('mailbox_id', '=', mailboxId).where('account_id', '=', accountId).where('uid', 'in', uids).execute();
      if (rows.length === 0) return { modseq: 0, uids: [] as number[] };
      const { modseq } = await trx.updateTable('principals').set({ modseq: sql`modseq + 1` }).where('id', '=', accountId).returning('modseq').executeTakeFirstOrThrow();
      const removed = rows.map((r) => Number(r.uid));
      await trx.deleteFrom('mailbox_entries').where('mailbox_id', '=', mailboxId).where('uid', 'in', removed).execute();
      await trx.insertInto('expunged_entries').values(removed.map((uid) => ({ mailbox_id: mailboxId, uid, modseq }))).execute();
      await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', mailboxId).execute();
      const messageIds = [...new Set(rows.map((r) => Number(r.message_id)))];
      const stillUsed = new Set(
        (await trx.selectFrom('mailbox_entries').select('message_id').where('message_id', 'in', messageIds).execute()).map((r) => Number(r.message_id)),
      );
      const orphans = messageIds.filter((id) => !stillUsed.has(id));
      if (orphans.length > 0) {
        const messages = await trx.selectFrom('messages').select(['id', 'blob_hash', 'size']).where('id', 'in', orphans).execute();
        const freed = messages.reduce((sum, m) => sum + Number(m.size), 0);
        await this.store.fulltext.remove(trx, orphans);
        await trx.deleteFrom('messages').where('id', 'in', orphans).execute();
        await trx
          .updateTable('principals')
          .set({ used_bytes: sql`case when used_bytes > ${freed} then used_bytes - ${freed} else 0 end` })
          .where('id', '=', accountId)
          .execute();
        for (const m of messages) await releaseBlob(trx, m.blob_hash);
      }
      await recordChanges(trx, accountId, Number(modseq), [
        ...messageIds.map((id) => ({ type: 'Email' as const, objectId: id, op: orphans.includes(id) ? CHANGE_DESTROYED : CHANGE_UPDATED })),
        { type: 'Mailbox', objectId: mailboxId, op: CHANGE_UPDATED },
      ]);
      return { modseq: Number(modseq), uids: removed };
    });
    if (result.uids.length > 0) this.changes.publish({ accountId, modseq: result.modseq, mailboxIds: [mailboxId] });
    return result.uids;
  }
}
