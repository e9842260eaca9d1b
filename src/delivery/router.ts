import type { Kysely } from 'kysely';

import { resolveRecipient, type LocalRecipient } from '../directory/recipients.ts';
import type { DeliveryTarget } from '../mail/deliver.ts';
import type { MailStore } from '../mail/mail-store.ts';
import type { Database } from '../store/schema.ts';
import { DeliveryRefused, type InboundDelivery } from './inbound.ts';
import { returnPathField } from './inbound-inspection.ts';
import { enqueue, type QueuedRecipient } from './outbound-queue.ts';

export interface OutgoingMessage {
  sender: string;
  recipients: QueuedRecipient[];
  raw: Buffer;
  /** Further mailboxes that get a copy in the same commit (the sender's Sent). */
  copies?: DeliveryTarget[];
  envelopeId?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
  principalId?: number | null;
  tenantId?: number | null;
}

/**
 * Sends a message we originate (a submission, a bounce) to its recipients: local ones straight
 * into their INBOX, the rest onto the outbound queue, with the sender's Sent copy, all in one
 * commit, so that a crash either leaves everything to do or nothing.
 */
export class MessageRouter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly mail: MailStore,
    private readonly inbound: InboundDelivery,
    private readonly options: { expireAfterMs: number; onQueued: () => void },
  ) {}

  /** Splits recipients into ours and others'; an unknown address in one of our domains is refused. */
  /** `sender` is checked against the send policy of any group among the recipients. */
  async split(recipients: QueuedRecipient[], sender = ''): Promise<{ local: LocalRecipient[]; remote: QueuedRecipient[] }> {
    const local: LocalRecipient[] = [];
    const remote: QueuedRecipient[] = [];
    for (const recipient of recipients) {
      const resolution = await resolveRecipient(this.db, recipient.address, sender);
      if (resolution === null) remote.push(recipient);
      else if (resolution === false) throw new DeliveryRefused(550, '5.1.1', `<${recipient.address}>: no such user here`);
      else if (resolution.refusal) throw new DeliveryRefused(550, '5.7.1', resolution.refusal);
      else if (!local.some((l) => l.principalId === resolution.principalId)) local.push(resolution);
    }
    return { local, remote };
  }

  async route(message: OutgoingMessage): Promise<{ local: number; remote: number }> {
    const { local, remote } = await this.split(message.recipients, message.sender);
    const queueRemote =
      remote.length === 0
        ? undefined
        : async (trx: Kysely<Database>, hash: string) => {
            await enqueue(trx, this.mail.store.blobs, {
              sender: message.sender,
              recipients: remote,
              hash,
              raw: message.raw,
              envelopeId: message.envelopeId,
              ret: message.ret,
              principalId: message.principalId,
              tenantId: message.tenantId,
              expireAfterMs: this.options.expireAfterMs,
            });
          };
    const copies = message.copies ?? [];
    if (local.length > 0) {
      // The recipients' copies are delivered, so they get a Return-Path (RFC 5321 §4.4) and a
      // blob of their own; the Sent copy and the queued one stay the message as sent: the Sent
      // copy is the sender's record, not a delivery, like a client's APPEND to Sent.
      const delivered = await this.mail.prepare(Buffer.concat([Buffer.from(returnPathField(message.sender), 'utf8'), message.raw]));
      const sent = remote.length > 0 || copies.length > 0 ? await this.mail.prepare(message.raw) : null;
      await this.inbound.storePrepared(delivered, local, {
        together: sent && copies.length > 0 ? [{ message: sent, targets: copies }] : [],
        alsoWrite: sent && queueRemote ? (trx) => queueRemote(trx, sent.hash) : undefined,
      });
      this.inbound.delivered(delivered.parsed, message.sender, local);
    } else if (copies.length > 0) {
      const prepared = await this.mail.prepare(message.raw);
      await this.inbound.storePrepared(prepared, local, { targets: copies, alsoWrite: queueRemote && ((trx) => queueRemote(trx, prepared.hash)) });
    } else if (queueRemote) {
      const prepared = await this.mail.prepare(message.raw);
      await this.db.transaction().execute((trx) => queueRemote(trx, prepared.hash));
      await this.mail.store.durable();
    }
    if (remote.length > 0) this.options.onQueued();
    return { local: local.length, remote: remote.length };
  }
}
