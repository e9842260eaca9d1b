import { sql, type Insertable, type Kysely } from 'kysely';

import { referenceBlob } from '../store/blob-store.ts';
import type { Store } from '../store/database.ts';
import { FixedShapeQuery } from '../store/fixed-shape-query.ts';
import type { Database, MailboxEntriesTable, MessagesTable } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { joinKeywords } from './flags.ts';
import { CHANGE_CREATED, CHANGE_UPDATED, recordChanges } from './modseq.ts';
import type { PreparedMessage } from './prepared-message.ts';
import { SearchIndexer } from './search-indexer.ts';
import { tenantOverStorage, type TenantCharge } from './tenant-storage.ts';
import { threadParents } from './thread-tree.ts';
import { assignThread } from './threads.ts';

/** One mailbox a message goes into. */
export interface DeliveryTarget {
  accountId: number;
  mailboxId: number;
  flags?: number;
  keywords?: string[];
}

/** A message and every mailbox it must land in: all of them commit, or none. */
export interface Delivery {
  message: PreparedMessage;
  targets: DeliveryTarget[];
  receivedAt?: number;
  /** More writes that must commit with this delivery or not at all (e.g. queueing the remote copies of a submission). */
  alsoWrite?: (trx: Kysely<Database>) => Promise<void>;
  /** Other messages stored in the same commit, all or none (a submission's Sent copy beside the recipients' copies). */
  together?: Delivery[];
}

export interface DeliveredEntry {
  accountId: number;
  mailboxId: number;
  uid: number;
  messageId: number;
  modseq: number;
}

export type DeliveryContext = Pick<Store, 'db' | 'blobs' | 'fulltext' | 'onClose'>;

function addressText(list: { name: string; address: string }[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}

// The statements every delivery runs, compiled once per dialect (see fixed-shape-query.ts).

/**
 * The account's charge, guarded by its quota and, in the same UPDATE, by every target mailbox
 * being the account's: no row back means one of the two failed (`missingMailbox` tells which). Shape:
 * how many target mailboxes.
 */
const chargeAccount = new FixedShapeQuery<{ accountId: number; size: number; mailboxIds: number[] }, { modseq: number; tenant_id: number; tenant_limit: number | null }>(
  (db, param, targets) =>
    db
      .updateTable('principals')
      .set({ used_bytes: sql`used_bytes + ${param('size')}`, modseq: sql`modseq + 1` })
      .where('id', '=', param('accountId'))
      .where((eb) => eb.or([eb('quota_bytes', '=', 0), eb(sql`used_bytes + ${param('size')}`, '<=', eb.ref('quota_bytes'))]))
      .where(
        (eb) =>
          eb
            .selectFrom('mailboxes')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('mailboxes.account_id', '=', 'principals.id')
            .where('mailboxes.id', 'in', Array.from({ length: targets }, (_, i) => param('mailboxIds', i))),
        '=',
        targets,
      )
      .returning((eb) => ['modseq', 'tenant_id', eb.selectFrom('tenants').select('max_storage').whereRef('tenants.id', '=', 'principals.tenant_id').as('tenant_limit')]),
);

const refund = new FixedShapeQuery<{ accountId: number; size: number }, never>((db, param) =>
  db.updateTable('principals').set({ used_bytes: sql`used_bytes - ${param('size')}` }).where('id', '=', param('accountId')),
);

type MessageRow = Required<Omit<Insertable<MessagesTable>, 'id'>>;

const insertMessage = new FixedShapeQuery<MessageRow, { id: number }>((db, param) =>
  db
    .insertInto('messages')
    .values({
      account_id: param('account_id'),
      blob_hash: param('blob_hash'),
      size: param('size'),
      received_at: param('received_at'),
      sent_at: param('sent_at'),
      subject: param('subject'),
      base_subject: param('base_subject'),
      from_addr: param('from_addr'),
      to_addr: param('to_addr'),
      message_id: param('message_id'),
      thread_id: param('thread_id'),
      has_attachment: param('has_attachment'),
      preview: param('preview'),
      envelope: param('envelope'),
      body_structure: param('body_structure'),
      header_size: param('header_size'),
      refs: param('refs'),
    })
    .returning('id'),
);

/** Taking the UID and bumping HIGHESTMODSEQ in one UPDATE also locks the mailbox row, so concurrent deliveries to one mailbox get strictly increasing UIDs in commit order. */
const takeUid = new FixedShapeQuery<{ mailboxId: number; accountId: number; modseq: number }, { uidnext: number }>((db, param) =>
  db
    .updateTable('mailboxes')
    .set({ uidnext: sql`uidnext + 1`, highest_modseq: param('modseq') })
    .where('id', '=', param('mailboxId'))
    .where('account_id', '=', param('accountId'))
    .returning('uidnext'),
);

const insertEntry = new FixedShapeQuery<Required<Insertable<MailboxEntriesTable>>, never>((db, param) =>
  db.insertInto('mailbox_entries').values({
    mailbox_id: param('mailbox_id'),
    uid: param('uid'),
    message_id: param('message_id'),
    account_id: param('account_id'),
    modseq: param('modseq'),
    flags: param('flags'),
    keywords: param('keywords'),
  }),
);

/** Which of the accounts' target mailboxes are missing, if any; asked only once a charge was refused. */
async function missingMailbox(trx: Kysely<Database>, byAccount: Map<number, DeliveryTarget[]>): Promise<number | null> {
  for (const [accountId, targets] of byAccount) {
    const ids = targets.map((t) => t.mailboxId);
    const found = await trx.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('id', 'in', ids).execute();
    if (found.length !== ids.length) return accountId;
  }
  return null;
}

/**
 * Charges quota to every account first, with a guarded UPDATE that also takes the account's next
 * modseq and row lock and checks the target mailboxes. If a target mailbox does not exist, one
 * account has no room, or the charges take a tenant past its storage limit (see tenant-storage.ts;
 * the UPDATE reads the limit too), the ones already charged are refunded and the whole delivery is
 * refused before anything else is written, so it never lands half. A missing mailbox is reported
 * before a full one, whichever account comes first.
 */
async function chargeAccounts(trx: Kysely<Database>, ctx: DeliveryContext, byAccount: Map<number, DeliveryTarget[]>, size: number): Promise<Map<number, number>> {
  const modseqs = new Map<number, number>();
  const tenantCharges = new Map<number, TenantCharge>();
  const refuse = async (error: MailError): Promise<never> => {
    for (const charged of modseqs.keys()) await refund.execute(trx, { accountId: charged, size });
    throw error;
  };
  for (const [accountId, targets] of byAccount) {
    const mailboxIds = targets.map((t) => t.mailboxId);
    const row = await chargeAccount.executeTakeFirst(trx, { accountId, size, mailboxIds }, mailboxIds.length);
    if (!row) {
      const missing = await missingMailbox(trx, byAccount);
      if (missing !== null) return refuse(new MailError('not_found', `a target mailbox of account ${missing} does not exist`));
      return refuse(new MailError('over_quota', `mailbox of account ${accountId} is over quota`));
    }
    modseqs.set(accountId, Number(row.modseq));
    const limit = Number(row.tenant_limit ?? 0);
    if (limit > 0) tenantCharges.set(Number(row.tenant_id), { limit, added: (tenantCharges.get(Number(row.tenant_id))?.added ?? 0) + size });
  }
  const overTenant = tenantCharges.size > 0 ? await tenantOverStorage(trx, ctx, tenantCharges) : null;
  if (overTenant !== null) return refuse(new MailError('over_quota', `tenant ${overTenant} is over its storage limit`));
  return modseqs;
}

/**
 * Writes one delivery, and the deliveries it carries `together`, inside the caller's transaction.
 * A refusal (over quota) of a later part must also take back what the earlier parts wrote, since
 * the group commit goes on committing the rest of its batch in this transaction: hence the savepoint.
 */
export async function writeDelivery(trx: Kysely<Database>, ctx: DeliveryContext, delivery: Delivery): Promise<DeliveredEntry[]> {
  const together = delivery.together ?? [];
  if (together.length === 0) return writeOneDelivery(trx, ctx, delivery);
  await sql`savepoint delivery_together`.execute(trx);
  try {
    const delivered = await writeOneDelivery(trx, ctx, delivery);
    for (const part of together) delivered.push(...(await writeDelivery(trx, ctx, part)));
    await sql`release savepoint delivery_together`.execute(trx);
    return delivered;
  } catch (err) {
    await sql`rollback to savepoint delivery_together`.execute(trx);
    await sql`release savepoint delivery_together`.execute(trx);
    throw err;
  }
}

async function writeOneDelivery(trx: Kysely<Database>, ctx: DeliveryContext, delivery: Delivery): Promise<DeliveredEntry[]> {
  const { raw, hash, parsed, searchText } = delivery.message;
  const receivedAt = delivery.receivedAt ?? Date.now();
  const byAccount = new Map<number, DeliveryTarget[]>();
  for (const target of delivery.targets) {
    const list = byAccount.get(target.accountId) ?? [];
    if (!list.some((t) => t.mailboxId === target.mailboxId)) list.push(target);
    byAccount.set(target.accountId, list);
  }
  const modseqs = await chargeAccounts(trx, ctx, byAccount, raw.byteLength);

  const envelope = JSON.stringify(parsed.rawEnvelope);
  const bodyStructure = JSON.stringify(parsed.body);
  const from = addressText(parsed.envelope.from);
  const to = addressText([...parsed.envelope.to, ...parsed.envelope.cc]);
  const delivered: DeliveredEntry[] = [];

  for (const [accountId, targets] of byAccount) {
    const modseq = modseqs.get(accountId)!;
    await referenceBlob(trx, ctx.blobs, hash, raw);
    const threadId = await assignThread(
      trx,
      accountId,
      { messageId: parsed.messageId, parents: [...parsed.inReplyTo, ...parsed.references], subject: parsed.subject, baseSubject: parsed.baseSubject },
      modseq,
      receivedAt,
    );
    const message = await insertMessage.executeTakeFirst(trx, {
      account_id: accountId,
      blob_hash: hash,
      size: raw.byteLength,
      received_at: receivedAt,
      sent_at: parsed.date ? parsed.date.getTime() : null,
      subject: parsed.subject,
      base_subject: parsed.baseSubject,
      from_addr: from,
      to_addr: to,
      message_id: parsed.messageId,
      thread_id: threadId,
      has_attachment: parsed.hasAttachment ? 1 : 0,
      preview: parsed.preview,
      envelope,
      body_structure: bodyStructure,
      header_size: parsed.headerSize,
      refs: threadParents(parsed.references, parsed.inReplyTo).join(' '),
    });
    if (!message) throw new Error('inserting a message returned no id');
    const messageId = Number(message.id);
    if (ctx.fulltext.deferred) SearchIndexer.of(ctx).defer(messageId, hash, searchText);
    else await ctx.fulltext.add(trx, messageId, searchText);

    for (const target of targets) {
      const box = await takeUid.executeTakeFirst(trx, { mailboxId: target.mailboxId, accountId, modseq });
      // Checked by the charge; only a concurrent delete on another node gets here, and this aborts the batch.
      if (!box) throw new Error(`mailbox ${target.mailboxId} vanished during delivery`);
      const uid = Number(box.uidnext) - 1;
      await insertEntry.execute(trx, {
        mailbox_id: target.mailboxId,
        uid,
        message_id: messageId,
        account_id: accountId,
        modseq,
        flags: target.flags ?? 0,
        keywords: joinKeywords(target.keywords ?? []),
      });
      delivered.push({ accountId, mailboxId: target.mailboxId, uid, messageId, modseq });
    }
    await recordChanges(trx, accountId, modseq, [
      { type: 'Email', objectId: messageId, op: CHANGE_CREATED },
      { type: 'Thread', objectId: threadId, op: threadId === modseq ? CHANGE_CREATED : CHANGE_UPDATED },
      ...targets.map((t) => ({ type: 'Mailbox' as const, objectId: t.mailboxId, op: CHANGE_UPDATED })),
    ]);
  }
  if (delivery.alsoWrite) await delivery.alsoWrite(trx);
  return delivered;
}
