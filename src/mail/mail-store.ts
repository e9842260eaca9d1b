import type { Kysely } from 'kysely';

import type { ChangeBus } from '../events/change-bus.ts';
import type { Store } from '../store/database.ts';
import type { Database, MessageRow } from '../store/schema.ts';
import { writeDelivery, type DeliveredEntry, type Delivery } from './deliver.ts';
import { insertCopies, ownedMailbox, recordManyChanges, removeEntries, selectEntries } from './entry-writes.ts';
import { flagPermission, permittedFlags, restrictFlags, storeAllowed, type FlagPermission } from './acl.ts';
import { MailError } from './errors.ts';
import { applyFlagChange, FLAG_DELETED, formatFlags, parseFlags, type FlagMode } from './flags.ts';
import { FlagCache } from './flag-cache.ts';
import { GroupCommit } from './group-commit.ts';
import { changesSince, mailboxStatus, type FlagState, type MailboxChanges, type MailboxStatus } from './mailbox-state.ts';
import { createMailboxPath, findMailbox, listMailboxes, listSubscriptions, mailboxInfo, normalizeMailboxName, moveInboxTo, renameMailboxTree, type MailboxInfo } from './mailboxes.ts';
import { CHANGE_DESTROYED, CHANGE_UPDATED, nextModseq, recordChanges } from './modseq.ts';
import { prepareMessage, type PreparedMessage } from './prepared-message.ts';
import { searchMailbox } from './search.ts';
import { SharedAccess } from './shared-access.ts';
import type { SearchKey, SortCriterion, ThreadAlgorithm, ThreadNode } from './search-criteria.ts';
import { sortEntries } from './sort.ts';
import { threadEntries } from './thread-tree.ts';
import { eachRangeChunk, forRangeChunks } from './uid-ranges.ts';

export type { MailboxInfo } from './mailboxes.ts';
export type { FlagState, MailboxChanges, MailboxStatus } from './mailbox-state.ts';

/** One entry as FETCH and JMAP Email/get read it. */
export interface EntryData {
  uid: number;
  messageId: number;
  flags: string[];
  modseq: number;
  size: number;
  receivedAt: number;
  sentAt: number | null;
  /** JSON of the raw IMAP envelope; '' when fetched with `meta: false`. */
  envelope: string;
  /** JSON of the body structure; '' when fetched with `meta: false`. */
  bodyStructure: string;
  blobHash: string;
  headerSize: number;
  threadId: number;
  /** '' when fetched with `meta: false`. */
  preview: string;
  /** RFC 8514 SAVEDATE; not kept apart from the arrival time yet, so always absent. */
  savedAt?: number;
}

export interface StoreFlagsResult {
  /** The modseq the change took; 0 when no entry changed. */
  modseq: number;
  /** Entries whose flags changed, with their new flags and modseq. */
  updated: FlagState[];
  /** Entries already as asked, with their current flags: IMAP still reports them to the client. */
  unchanged: FlagState[];
  /** RFC 7162 §3.1.3: UIDs left alone because their modseq is above `unchangedSince`. */
  failed: number[];
}


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
  private readonly flagCache: FlagCache;
  /** Who reaches which mailbox with which rights (RFC 4314 ACLs, the shared namespace). */
  readonly access: SharedAccess;

  constructor(
    readonly store: Store,
    readonly changes: ChangeBus,
  ) {
    this.flagCache = new FlagCache(store.db);
    this.access = new SharedAccess(store.db);
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

  private publish(accountId: number, modseq: number, mailboxIds: number[]): void {
    if (modseq > 0) this.changes.publish({ accountId, modseq, mailboxIds });
  }

  /** Runs one write transaction and returns once it is durable, when a client may be told it is done. */
  private async write<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const result = await this.store.db.transaction().execute(work);
    await this.store.durable();
    return result;
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

  async listMailboxes(accountId: number): Promise<MailboxInfo[]> {
    const subscriptions = await listSubscriptions(this.store.db, accountId);
    return (await listMailboxes(this.store.db, accountId)).map((row) => mailboxInfo(row, subscriptions));
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxInfo> {
    const row = await findMailbox(this.store.db, accountId, name);
    const subscribed = await this.store.db.selectFrom('subscriptions').select('name').where('account_id', '=', accountId).where('name', '=', row.name).executeTakeFirst();
    return mailboxInfo(row, new Set(subscribed ? [row.name] : []));
  }

  /** Subscribed names; a subscription may name a mailbox that does not exist (any more). */
  listSubscriptions(accountId: number): Promise<Set<string>> {
    return listSubscriptions(this.store.db, accountId);
  }

  /** Creates the mailbox and any missing superiors (`a/b/c` creates `a` and `a/b` too). */
  async createMailbox(accountId: number, name: string, specialUse: string | null = null): Promise<MailboxInfo> {
    const created = await this.write((trx) => createMailboxPath(trx, accountId, name, specialUse));
    const infos = created.map((row) => mailboxInfo(row, new Set()));
    this.publish(accountId, Math.max(...infos.map((m) => m.highestModseq)), infos.map((m) => m.id));
    return infos[infos.length - 1];
  }

  /** Deletes a mailbox and its entries, as an expunge of all of them would; its inferiors stay (RFC 9051 §6.3.5). */
  async deleteMailbox(accountId: number, name: string): Promise<void> {
    const mailbox = await findMailbox(this.store.db, accountId, name);
    if (mailbox.name === 'INBOX') throw new MailError('invalid', 'INBOX cannot be deleted');
    const modseq = await this.write(async (trx) => {
      const modseq = await nextModseq(trx, accountId);
      const rows = await trx.selectFrom('mailbox_entries').select(['uid', 'message_id']).where('mailbox_id', '=', mailbox.id).execute();
      await removeEntries(trx, this.store.fulltext, accountId, mailbox.id, rows, modseq, false);
      await trx.deleteFrom('mailboxes').where('id', '=', mailbox.id).execute();
      await recordChanges(trx, accountId, modseq, [{ type: 'Mailbox', objectId: mailbox.id, op: CHANGE_DESTROYED }]);
      return modseq;
    });
    this.publish(accountId, modseq, [mailbox.id]);
  }

  /**
   * Renames a mailbox with its inferiors, keeping UIDVALIDITY. Renaming INBOX instead moves all
   * its entries into a new mailbox of that name and leaves INBOX empty (RFC 9051 §6.3.6).
   */
  async renameMailbox(accountId: number, from: string, to: string): Promise<void> {
    const source = await findMailbox(this.store.db, accountId, from);
    const { modseq, mailboxIds } = await this.write(async (trx) => {
      if (source.name !== 'INBOX') {
        const touched = await renameMailboxTree(trx, accountId, source, to);
        const modseq = await nextModseq(trx, accountId);
        await recordChanges(trx, accountId, modseq, touched.map((id) => ({ type: 'Mailbox' as const, objectId: id, op: CHANGE_UPDATED })));
        return { modseq, mailboxIds: touched };
      }
      return moveInboxTo(trx, accountId, source, to);
    });
    this.publish(accountId, modseq, mailboxIds);
  }

  /**
   * Subscribes or unsubscribes a name, whether or not a mailbox has it (RFC 9051 §6.3.7); a
   * mailbox's subscription is a change JMAP's Mailbox/changes reports.
   */
  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    const normalized = normalizeMailboxName(name);
    const mailbox = await this.store.db.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('name', '=', normalized).executeTakeFirst();
    const modseq = await this.write(async (trx) => {
      if (subscribed) {
        await trx.insertInto('subscriptions').values({ account_id: accountId, name: normalized }).onConflict((oc) => oc.doNothing()).execute();
      } else {
        await trx.deleteFrom('subscriptions').where('account_id', '=', accountId).where('name', '=', normalized).execute();
      }
      if (!mailbox) return 0;
      const modseq = await nextModseq(trx, accountId);
      await recordChanges(trx, accountId, modseq, [{ type: 'Mailbox', objectId: Number(mailbox.id), op: CHANGE_UPDATED }]);
      return modseq;
    });
    if (mailbox) this.publish(accountId, modseq, [Number(mailbox.id)]);
  }

  /**
   * IMAP4rev1 \Recent: the first session to select a mailbox read-write claims the messages no
   * session has seen yet. Returns the first UID that is recent for the caller; a read-only
   * (EXAMINE) caller sees what is recent without claiming it.
   */
  async claimRecent(accountId: number, mailboxId: number, claim: boolean): Promise<number> {
    const current = await this.store.db.selectFrom('mailboxes').select(['recent_uid', 'uidnext']).where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    // Nothing new since the last claim: no write, so a plain SELECT costs no commit.
    if (!claim || Number(current.recent_uid) >= Number(current.uidnext)) return Number(current.recent_uid);
    return this.write(async (trx) => {
      // SQLite's write transaction already excludes other writers; PostgreSQL needs the row lock.
      const row = await trx
        .selectFrom('mailboxes')
        .select(['recent_uid', 'uidnext'])
        .where('id', '=', mailboxId)
        .where('account_id', '=', accountId)
        .$if(this.store.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirstOrThrow();
      if (Number(row.recent_uid) < Number(row.uidnext)) await trx.updateTable('mailboxes').set({ recent_uid: row.uidnext }).where('id', '=', mailboxId).execute();
      return Number(row.recent_uid);
    });
  }

  /** STATUS: counts come from the (mailbox_id, flags) index, one query each. */
  mailboxStatus(accountId: number, mailboxId: number): Promise<MailboxStatus> {
    return mailboxStatus(this.store.db, accountId, mailboxId);
  }

  /** Every UID of the mailbox, ascending: the IMAP session's sequence-number map. */
  listUids(accountId: number, mailboxId: number): Promise<number[]> {
    return this.flagCache.uids(accountId, mailboxId);
  }

  /** The entries at these UIDs, ascending; `meta: false` leaves out envelope, body structure and preview for a cheap flags fetch. */
  async fetchEntries(accountId: number, mailboxId: number, uids: number[], fields: { meta?: boolean } = {}): Promise<EntryData[]> {
    const meta = fields.meta ?? true;
    const rows = await forRangeChunks('e.uid', uids, (inRanges) =>
      this.store.db
        .selectFrom('mailbox_entries as e')
        .innerJoin('messages as m', 'm.id', 'e.message_id')
        .select(['e.uid', 'e.message_id', 'e.flags', 'e.keywords', 'e.modseq', 'm.size', 'm.received_at', 'm.sent_at', 'm.blob_hash', 'm.header_size', 'm.thread_id'])
        .$if(meta, (q) => q.select(['m.envelope', 'm.body_structure', 'm.preview']))
        .where('e.mailbox_id', '=', mailboxId)
        .where('e.account_id', '=', accountId)
        .where(inRanges)
        .orderBy('e.uid')
        .execute(),
      (row) => Number(row.uid),
    );
    return rows.map((r) => ({
      uid: Number(r.uid),
      messageId: Number(r.message_id),
      flags: formatFlags(r.flags, r.keywords),
      modseq: Number(r.modseq),
      size: Number(r.size),
      receivedAt: Number(r.received_at),
      sentAt: r.sent_at === null ? null : Number(r.sent_at),
      envelope: r.envelope ?? '',
      bodyStructure: r.body_structure ?? '',
      blobHash: r.blob_hash,
      headerSize: Number(r.header_size),
      threadId: Number(r.thread_id),
      preview: r.preview ?? '',
    }));
  }

  /** Only UID, flags and modseq, from the entries alone: the cheap read behind `FETCH 1:* (FLAGS)`, a client's most common command. */
  flagStates(accountId: number, mailboxId: number, uids: number[]): Promise<FlagState[]> {
    return this.flagCache.flagStates(accountId, mailboxId, uids);
  }

  /** A message's raw bytes by content hash, as `EntryData.blobHash` names them. */
  readBlob(hash: string): Promise<Buffer> {
    return this.store.blobs.read(hash);
  }

  /**
   * Adds, removes or replaces flags; every entry that changes takes one new modseq. With
   * `unchangedSince` (RFC 7162 §3.1.3), entries modified after it are left alone and reported failed.
   * With `rights` (someone else's mailbox, RFC 4314 §4) only the flags those rights cover change;
   * a STORE of nothing but forbidden flags is refused.
   */
  async storeFlags(accountId: number, mailboxId: number, uids: number[], mode: FlagMode, names: string[], options: { unchangedSince?: number; rights?: string } = {}): Promise<StoreFlagsResult> {
    const change = parseFlags(names);
    const permission = options.rights === undefined ? null : flagPermission(options.rights);
    if (permission && !storeAllowed(permission, change, mode)) throw new MailError('no_permission', 'you may not change these flags in this shared mailbox');
    const result = await this.write(async (trx) => {
      const rows = await selectEntries(trx, accountId, mailboxId, uids);
      const limit = options.unchangedSince;
      const failed = limit === undefined ? [] : rows.filter((r) => Number(r.modseq) > limit).map((r) => Number(r.uid));
      const updates = new Map<string, { flags: number; keywords: string; uids: number[] }>();
      const changedRows: typeof rows = [];
      const unchanged: FlagState[] = [];
      for (const row of rows) {
        if (limit !== undefined && Number(row.modseq) > limit) continue;
        const applied = applyFlagChange(mode, change, row.flags, row.keywords);
        const next = permission ? restrictFlags(permission, row, applied) : applied;
        if (next.flags === row.flags && next.keywords === row.keywords) {
          unchanged.push({ uid: Number(row.uid), flags: formatFlags(row.flags, row.keywords), modseq: Number(row.modseq) });
          continue;
        }
        // Entries that end with the same flags are written by one UPDATE.
        const key = `${next.flags} ${next.keywords}`;
        const group = updates.get(key) ?? { ...next, uids: [] };
        group.uids.push(Number(row.uid));
        updates.set(key, group);
        changedRows.push({ ...row, ...next });
      }
      if (changedRows.length === 0) return { modseq: 0, updated: [], unchanged, failed };
      const modseq = await nextModseq(trx, accountId);
      for (const group of updates.values()) {
        await eachRangeChunk('uid', group.uids, (inRanges) =>
          trx.updateTable('mailbox_entries').set({ flags: group.flags, keywords: group.keywords, modseq }).where('mailbox_id', '=', mailboxId).where(inRanges).execute(),
        );
      }
      await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', mailboxId).execute();
      await recordManyChanges(trx, accountId, modseq, [
        ...[...new Set(changedRows.map((r) => Number(r.message_id)))].map((id) => ({ type: 'Email' as const, objectId: id, op: CHANGE_UPDATED })),
        { type: 'Mailbox', objectId: mailboxId, op: CHANGE_UPDATED },
      ]);
      const updated = changedRows.map((r) => ({ uid: Number(r.uid), flags: formatFlags(r.flags, r.keywords), modseq }));
      return { modseq, updated, unchanged, failed };
    });
    this.publish(accountId, result.modseq, [mailboxId]);
    return result;
  }

  /**
   * Removes entries from a mailbox. A message whose last entry goes is deleted with its index
   * row, its quota charge and its blob reference; the bytes go after commit. `onlyDeleted` keeps
   * entries that no longer have \Deleted when the transaction runs (UID EXPUNGE, CLOSE).
   */
  async expunge(accountId: number, mailboxId: number, uids: number[], options: { onlyDeleted?: boolean } = {}): Promise<number[]> {
    const result = await this.write(async (trx) => {
      const all = await selectEntries(trx, accountId, mailboxId, uids);
      const rows = options.onlyDeleted ? all.filter((r) => (r.flags & FLAG_DELETED) !== 0) : all;
      if (rows.length === 0) return { modseq: 0, uids: [] };
      const modseq = await nextModseq(trx, accountId);
      await removeEntries(trx, this.store.fulltext, accountId, mailboxId, rows, modseq, true);
      await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', mailboxId).execute();
      await recordChanges(trx, accountId, modseq, [{ type: 'Mailbox', objectId: mailboxId, op: CHANGE_UPDATED }]);
      return { modseq, uids: rows.map((r) => Number(r.uid)) };
    });
    this.publish(accountId, result.modseq, [mailboxId]);
    return result.uids;
  }

  /** The copy step COPY and MOVE share: the source entries and their copies under one new modseq. */
  private async copyStep(trx: Kysely<Database>, accountId: number, fromMailboxId: number, uids: number[], toMailboxId: number) {
    await ownedMailbox(trx, accountId, fromMailboxId);
    const target = await ownedMailbox(trx, accountId, toMailboxId);
    const rows = await selectEntries(trx, accountId, fromMailboxId, uids);
    if (rows.length === 0) return { rows, modseq: 0, uidvalidity: target.uidvalidity, pairs: [] as [number, number][] };
    const modseq = await nextModseq(trx, accountId);
    return { rows, modseq, ...(await insertCopies(trx, accountId, toMailboxId, rows, modseq)) };
  }

  /** Copies entries within the account: the copies share the message (no new blob, no quota), keep flags, take new UIDs. */
  async copyEntries(accountId: number, fromMailboxId: number, uids: number[], toMailboxId: number): Promise<{ uidvalidity: number; pairs: [number, number][] }> {
    const result = await this.write(async (trx) => {
      const copied = await this.copyStep(trx, accountId, fromMailboxId, uids, toMailboxId);
      if (copied.modseq > 0) await recordChanges(trx, accountId, copied.modseq, [{ type: 'Mailbox', objectId: toMailboxId, op: CHANGE_UPDATED }]);
      return copied;
    });
    this.publish(accountId, result.modseq, [toMailboxId]);
    return { uidvalidity: result.uidvalidity, pairs: result.pairs };
  }

  /** RFC 6851 MOVE: the copy and the expunge commit together, under one modseq. */
  async moveEntries(accountId: number, fromMailboxId: number, uids: number[], toMailboxId: number): Promise<{ uidvalidity: number; pairs: [number, number][]; modseq: number }> {
    const result = await this.write(async (trx) => {
      const { rows, modseq, ...copied } = await this.copyStep(trx, accountId, fromMailboxId, uids, toMailboxId);
      if (modseq === 0) return { modseq, ...copied };
      await removeEntries(trx, this.store.fulltext, accountId, fromMailboxId, rows, modseq, true);
      await trx.updateTable('mailboxes').set({ highest_modseq: modseq }).where('id', '=', fromMailboxId).execute();
      await recordChanges(trx, accountId, modseq, [
        { type: 'Mailbox', objectId: fromMailboxId, op: CHANGE_UPDATED },
        { type: 'Mailbox', objectId: toMailboxId, op: CHANGE_UPDATED },
      ]);
      return { modseq, ...copied };
    });
    this.publish(accountId, result.modseq, [fromMailboxId, toMailboxId]);
    return result;
  }

  /**
   * COPY between accounts (a shared mailbox and one's own): each message is stored anew in the
   * target account, which it is charged to; flags go along as far as `rights` on the target
   * allow (RFC 4314 §4). Returns the source and new UIDs.
   */
  async copyAcross(fromAccountId: number, fromMailboxId: number, uids: number[], toAccountId: number, toMailboxId: number, rights: string): Promise<{ uidvalidity: number; pairs: [number, number][] }> {
    const target = await this.store.db.selectFrom('mailboxes').select('uidvalidity').where('id', '=', toMailboxId).where('account_id', '=', toAccountId).executeTakeFirst();
    if (!target) throw new MailError('not_found', `no mailbox ${toMailboxId}`);
    const entries = await this.fetchEntries(fromAccountId, fromMailboxId, uids, { meta: false });
    const permission: FlagPermission = flagPermission(rights);
    const deliveries: Delivery[] = [];
    for (const entry of entries) {
      const { flags, keywords } = parseFlags(permittedFlags(permission, entry.flags));
      const message = await this.prepare(await this.readBlob(entry.blobHash));
      deliveries.push({ message, targets: [{ accountId: toAccountId, mailboxId: toMailboxId, flags, keywords }], receivedAt: entry.receivedAt });
    }
    const written = await this.writeDeliveries(deliveries);
    return { uidvalidity: Number(target.uidvalidity), pairs: entries.map((entry, i) => [entry.uid, written[i].uid]) };
  }

  /** Several deliveries in one transaction: all stored or none. */
  private async writeDeliveries(deliveries: Delivery[]): Promise<DeliveredEntry[]> {
    const entries = await this.write(async (trx) => {
      const written: DeliveredEntry[] = [];
      for (const delivery of deliveries) written.push(...(await writeDelivery(trx, this.store, delivery)));
      return written;
    });
    this.announce(entries);
    return entries;
  }

  /** RFC 3502 MULTIAPPEND: every message is stored, or none (over quota, say). */
  async appendMany(accountId: number, mailboxName: string, messages: { raw: Buffer; flags?: string[]; receivedAt?: number }[]): Promise<{ uidvalidity: number; uids: number[] }> {
    const mailbox = await findMailbox(this.store.db, accountId, mailboxName);
    const deliveries: Delivery[] = [];
    for (const m of messages) {
      const { flags, keywords } = parseFlags(m.flags ?? []);
      deliveries.push({ message: await this.prepare(m.raw), targets: [{ accountId, mailboxId: mailbox.id, flags, keywords }], receivedAt: m.receivedAt });
    }
    const entries = await this.writeDeliveries(deliveries);
    return { uidvalidity: Number(mailbox.uidvalidity), uids: entries.map((e) => e.uid) };
  }

  /** CONDSTORE/QRESYNC: entries changed and UIDs expunged after `modseq` (RFC 7162 §3.1.4.1, §3.2.5.2). */
  changesSince(accountId: number, mailboxId: number, modseq: number): Promise<MailboxChanges> {
    return changesSince(this.store.db, accountId, mailboxId, modseq);
  }

  /** UIDs matching the key, ascending. */
  search(accountId: number, mailboxId: number, key: SearchKey): Promise<number[]> {
    return searchMailbox(this.store, accountId, mailboxId, key);
  }

  /** RFC 5256 SORT of the entries matching the key. */
  async sort(accountId: number, mailboxId: number, criteria: SortCriterion[], key: SearchKey): Promise<number[]> {
    return sortEntries(this.store, accountId, mailboxId, await this.search(accountId, mailboxId, key), criteria);
  }

  /** RFC 5256 THREAD of the entries matching the key. */
  async thread(accountId: number, mailboxId: number, algorithm: ThreadAlgorithm, key: SearchKey): Promise<ThreadNode[]> {
    return threadEntries(this.store, accountId, mailboxId, await this.search(accountId, mailboxId, key), algorithm);
  }

  /** Storage the account uses and may use; `limitBytes` 0 means unlimited. */
  async quota(accountId: number): Promise<{ usedBytes: number; limitBytes: number; messages: number }> {
    const db = this.store.db;
    const principal = await db.selectFrom('principals').select(['used_bytes', 'quota_bytes']).where('id', '=', accountId).executeTakeFirst();
    if (!principal) throw new MailError('not_found', `no account ${accountId}`);
    const count = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    return { usedBytes: Number(principal.used_bytes), limitBytes: Number(principal.quota_bytes), messages: Number(count.n) };
  }
}
