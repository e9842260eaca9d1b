import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import { expandRecipients, resolveRecipient, type LocalRecipient } from '../directory/recipients.ts';
import type { DeliveredEntry, Delivery, DeliveryTarget } from '../mail/deliver.ts';
import { MailError } from '../mail/errors.ts';
import type { MailStore } from '../mail/mail-store.ts';
import { findMailbox } from '../mail/mailboxes.ts';
import type { ParsedMessage } from '../mail/mime/index.ts';
import type { PreparedMessage } from '../mail/prepared-message.ts';
import { countReceived } from '../mail/traffic-stats.ts';
import type { Database } from '../store/schema.ts';
import type { MailResolver } from './dns-resolver.ts';
import { inspectInbound, type InspectionRequest } from './inbound-inspection.ts';
import type { InboundPool } from './inbound-pool.ts';
import { protocolKeyword, receivedHeader } from './trace-headers.ts';

/** What the receiving session knows about where a message came from. */
export interface InboundEnvelope {
  mailFrom: string;
  remoteAddress: string;
  remoteHostname?: string;
  helo: string;
  secure: boolean;
  authenticated: boolean;
  protocol: 'SMTP' | 'LMTP';
  /** Declared SIZE from MAIL FROM, to refuse early for a full mailbox. */
  declaredSize?: number;
}

export class DeliveryRefused extends Error {
  constructor(
    readonly code: number,
    readonly enhanced: string,
    message: string,
  ) {
    super(message);
  }
}

export interface InboundOptions {
  hostname: string;
  verify: boolean;
  resolver: MailResolver;
  /** Worker threads for the checks and the parse; without one they run on the calling thread. */
  pool?: InboundPool;
  /** Told of every committed delivery (vacation notices, vacation-reply.ts); must not throw. */
  afterDelivery?: (message: { parsed: ParsedMessage; mailFrom: string }, recipients: LocalRecipient[]) => void;
}

const INBOX_TTL_MS = 60_000;
const MAX_REMEMBERED_INBOXES = 100_000;

export function newQueueId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/**
 * The inbound pipeline (DESIGN.md, "Inbound"): recipient checks at RCPT, authentication checks
 * (SPF, DKIM, DMARC, ARC) on the data, trace headers, then one commit into every recipient's
 * INBOX. Used by the MX and LMTP listeners and, without the checks, for local copies of
 * submissions and bounces.
 */
export class InboundDelivery {
  private readonly inboxes = new Map<number, { id: number; expires: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly mail: MailStore,
    private readonly options: InboundOptions,
  ) {}

  /** For the listeners that receive mail from outside: start the inspection threads now rather than at the first message. */
  startInspectionThreads(): void {
    this.options.pool?.start();
  }

  /** RCPT time: who gets it, or why not (unknown user 550 5.1.1, relay 554 5.7.1, full mailbox 452 4.2.2). */
  async checkRecipient(address: string, envelope: Pick<InboundEnvelope, 'declaredSize'> & { mailFrom?: string }): Promise<LocalRecipient> {
    const resolution = await resolveRecipient(this.db, address, envelope.mailFrom);
    if (resolution === null) throw new DeliveryRefused(554, '5.7.1', `relaying to <${address}> denied`);
    if (resolution === false) throw new DeliveryRefused(550, '5.1.1', `<${address}>: no such user here`);
    if (resolution.refusal) throw new DeliveryRefused(550, '5.7.1', resolution.refusal);
    if (resolution.quotaBytes > 0) {
      const incoming = envelope.declaredSize ?? 0;
      if (resolution.usedBytes + incoming > resolution.quotaBytes || resolution.usedBytes >= resolution.quotaBytes) {
        throw new DeliveryRefused(452, '4.2.2', `<${address}>: mailbox full`);
      }
    }
    return resolution;
  }

  /**
   * DATA time. Runs the authentication checks, refuses what DMARC says to reject, then stores the
   * message for all recipients in one commit. Resolves only once the commit is durable.
   */
  async receive(raw: Buffer, envelope: InboundEnvelope, recipients: LocalRecipient[]): Promise<DeliveredEntry[]> {
    const traceHeaders = receivedHeader({
      helo: envelope.helo,
      remoteAddress: envelope.remoteAddress,
      remoteHostname: envelope.remoteHostname,
      byHost: this.options.hostname,
      protocol: protocolKeyword(envelope.protocol, envelope.secure, envelope.authenticated),
      id: newQueueId(),
      recipient: recipients.length === 1 ? recipients[0].address : undefined,
    });
    const request: InspectionRequest = {
      raw,
      mailFrom: envelope.mailFrom,
      hostname: this.options.hostname,
      traceHeaders,
      check: this.options.verify && !envelope.authenticated ? { ip: envelope.remoteAddress, helo: envelope.helo } : null,
    };
    const inspection = this.options.pool ? await this.options.pool.inspect(request) : await inspectInbound(request, this.options.resolver);
    if (inspection.refusedByDmarc !== null) {
      throw new DeliveryRefused(550, '5.7.1', `message rejected by the DMARC policy of ${inspection.refusedByDmarc}`);
    }
    const message = Buffer.from(inspection.message.buffer, inspection.message.byteOffset, inspection.message.byteLength);
    // Parsed and hashed already; what MailStore.prepare would add is making the bytes durable.
    await this.mail.store.blobs.persist(inspection.hash, message);
    // The dashboard's traffic counter rides in the same commit (src/mail/traffic-stats.ts).
    const delivered = await this.storePrepared({ raw: message, hash: inspection.hash, parsed: inspection.parsed, searchText: inspection.searchText }, recipients, {
      alsoWrite: (trx) => countReceived(trx, recipients),
    });
    this.delivered(inspection.parsed, envelope.mailFrom, recipients);
    return delivered;
  }

  /** After a commit: whatever reacts to delivered mail runs now, never before and never failing the delivery. */
  delivered(parsed: ParsedMessage, mailFrom: string, recipients: LocalRecipient[]): void {
    try {
      this.options.afterDelivery?.({ parsed, mailFrom }, recipients);
    } catch {
      // A reaction to a delivery is never a reason to fail it.
    }
  }

  /**
   * An account's INBOX never goes away or changes id (IMAP RENAME of INBOX moves its messages
   * instead), so its id is remembered rather than looked up per delivery. Entries expire anyway,
   * and writeDelivery checks every target, so a stale one costs a refused delivery, never a lost one.
   */
  private async inboxOf(accountId: number): Promise<number> {
    const now = Date.now();
    const known = this.inboxes.get(accountId);
    if (known && known.expires > now) return known.id;
    const { id } = await findMailbox(this.db, accountId, 'INBOX');
    if (this.inboxes.size >= MAX_REMEMBERED_INBOXES) this.inboxes.clear();
    this.inboxes.set(accountId, { id, expires: now + INBOX_TTL_MS });
    return id;
  }

  /**
   * Stores a prepared, trusted message (one received above, the local copies of a submission, a
   * bounce) in the recipients' INBOXes, with any further targets, messages and writes of the same commit.
   */
  async storePrepared(
    prepared: PreparedMessage,
    recipients: LocalRecipient[],
    extra: { targets?: DeliveryTarget[]; alsoWrite?: (trx: Kysely<Database>) => Promise<void>; together?: Delivery[] } = {},
  ): Promise<DeliveredEntry[]> {
    const targets: DeliveryTarget[] = [...(extra.targets ?? [])];
    for (const recipient of expandRecipients(recipients)) targets.push({ accountId: recipient.principalId, mailboxId: await this.inboxOf(recipient.principalId) });
    try {
      return await this.mail.deliver({ message: prepared, targets, alsoWrite: extra.alsoWrite, together: extra.together });
    } catch (err) {
      if (err instanceof MailError && err.code === 'over_quota') throw new DeliveryRefused(452, '4.2.2', 'mailbox full');
      throw err;
    }
  }
}
