import { randomUUID } from 'node:crypto';
import { dkimSign } from 'mailauth';
import type { Kysely } from 'kysely';

import { activeDkimKey } from '../directory/dkim-keys.ts';
import { addressesOf } from '../directory/recipients.ts';
import { sendableAddresses } from '../directory/shared-mailboxes.ts';
import { FLAG_SEEN } from '../mail/flags.ts';
import { findSpecialUse } from '../mail/mailboxes.ts';
import { parseMessage } from '../mail/mime/index.ts';
import { countSubmitted } from '../mail/traffic-stats.ts';
import type { Database, Principal } from '../store/schema.ts';
import { DeliveryRefused, newQueueId } from './inbound.ts';
import type { QueuedRecipient } from './outbound-queue.ts';
import type { MessageRouter } from './router.ts';
import { protocolKeyword, receivedHeader, rfc5322Date } from './trace-headers.ts';

export interface SubmissionEnvelope {
  mailFrom: string;
  recipients: QueuedRecipient[];
  envelopeId?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
  /** Where the message came from, for its Received trace field (RFC 5321 §4.4). */
  client: { remoteAddress: string; helo: string; secure: boolean };
}

/**
 * Mail from our own users (DESIGN.md, "Submission"): only from their own addresses, or from an
 * address (a shared mailbox's, a manager's) they were given send-as or send-on-behalf on; completed
 * with Date and Message-ID where the client left them out (RFC 6409 §8), DKIM-signed with the
 * domain's key, delivered or queued, and copied to the sender's Sent.
 */
export class SubmissionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly router: MessageRouter,
    private readonly hostname: string,
  ) {}

  /** MAIL FROM time: the envelope sender must be one of the user's own addresses or one they may send as or for. */
  async checkSender(principal: Principal, mailFrom: string): Promise<void> {
    const own = await addressesOf(this.db, principal.id);
    const address = mailFrom.toLowerCase();
    if (!own.includes(address) && !(await sendableAddresses(this.db, principal.id)).has(address)) {
      throw new DeliveryRefused(553, '5.7.1', `<${mailFrom}>: you may only send from your own addresses or those you were given send-as or send-on-behalf rights on`);
    }
  }

  /**
   * The From: addresses must be the user's own or delegated to them. With send-as a delegated
   * address stands alone; with only send-on-behalf the message must name the user in Sender:
   * (RFC 5322 §3.6.2: the agent responsible for sending it), which is added when missing and
   * refused when it names someone else. Returns the Sender: field to add, if any.
   */
  private async checkFrom(principal: Principal, own: string[], parsed: ReturnType<typeof parseMessage>): Promise<string> {
    const fromAddresses = parsed.envelope.from.map((a) => a.address.toLowerCase());
    if (fromAddresses.length === 0) throw new DeliveryRefused(550, '5.7.1', `the From header must be one of your own addresses (${own.join(', ')})`);
    const delegated = await sendableAddresses(this.db, principal.id);
    let onBehalf = false;
    for (const address of fromAddresses) {
      if (own.includes(address)) continue;
      const kinds = delegated.get(address);
      if (!kinds) throw new DeliveryRefused(550, '5.7.1', `you may not send as ${address}: the From header must be one of your own addresses (${own.join(', ')}) or one you have send-as or send-on-behalf rights on`);
      if (!kinds.includes('send-as')) onBehalf = true;
    }
    if (!onBehalf) return '';
    if (parsed.headers.some((h) => h.name.toLowerCase() === 'sender')) {
      const sender = parsed.envelope.sender.map((a) => a.address.toLowerCase());
      if (sender.length !== 1 || !own.includes(sender[0])) throw new DeliveryRefused(550, '5.7.1', `sending on behalf of ${fromAddresses.join(', ')} needs Sender: to be your own address`);
      return '';
    }
    return `Sender: ${principal.login ?? own[0]}\r\n`;
  }

  async submit(principal: Principal, envelope: SubmissionEnvelope, raw: Buffer): Promise<void> {
    await this.checkSender(principal, envelope.mailFrom);
    const parsed = parseMessage(raw);
    const own = await addressesOf(this.db, principal.id);
    const fromAddresses = parsed.envelope.from.map((a) => a.address.toLowerCase());
    let added = await this.checkFrom(principal, own, parsed);
    if (!parsed.headers.some((h) => h.name.toLowerCase() === 'date')) added += `Date: ${rfc5322Date(new Date())}\r\n`;
    if (!parsed.headers.some((h) => h.name.toLowerCase() === 'message-id')) added += `Message-ID: <${randomUUID()}@${this.hostname}>\r\n`;
    // Received goes under the DKIM-Signature, as an MTA adds it on receipt before signing.
    const received = receivedHeader({
      helo: envelope.client.helo,
      remoteAddress: envelope.client.remoteAddress,
      byHost: this.hostname,
      protocol: protocolKeyword('SMTP', envelope.client.secure, true),
      id: newQueueId(),
    });
    let message = Buffer.concat([Buffer.from(received + added), raw]);

    const fromDomain = fromAddresses[0].slice(fromAddresses[0].lastIndexOf('@') + 1);
    const domain = await this.db.selectFrom('domains').select('id').where('name', '=', fromDomain).executeTakeFirst();
    const key = domain ? await activeDkimKey(this.db, domain.id) : null;
    if (key) {
      // mailauth signs only what is listed in signatureData; its typings also allow the fields at
      // the top level, which silently yields no signature.
      const signed = await dkimSign(message, {
        signatureData: [{ signingDomain: fromDomain, selector: key.selector, privateKey: key.privateKey, canonicalization: 'relaxed/relaxed' }],
      } as Parameters<typeof dkimSign>[1]);
      if (signed.errors.length > 0 || !signed.signatures.startsWith('DKIM-Signature:')) {
        throw new Error(`DKIM signing failed: ${signed.errors[0]?.message ?? 'no signature produced'}`);
      }
      message = Buffer.concat([Buffer.from(signed.signatures), message]);
    }

    const sent = await findSpecialUse(this.db, principal.id, '\\Sent');
    await this.router.route({
      sender: envelope.mailFrom,
      recipients: envelope.recipients,
      raw: message,
      copies: sent ? [{ accountId: principal.id, mailboxId: sent.id, flags: FLAG_SEEN }] : [],
      envelopeId: envelope.envelopeId,
      ret: envelope.ret,
      principalId: principal.id,
      tenantId: principal.tenant_id,
    });
    await countSubmitted(this.db, principal.tenant_id);
  }
}
