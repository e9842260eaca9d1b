// Vacation notices (RFC 8621 §8 VacationResponse) sent as RFC 3834 automatic responses, once a
// delivery is committed. A notice is a courtesy: nothing here may fail or delay the delivery.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import MailComposer from 'nodemailer/lib/mail-composer';

import { addressesOf, expandRecipients, type LocalRecipient } from '../directory/recipients.ts';
import type { ParsedMessage } from '../mail/mime/index.ts';
import type { Database } from '../store/schema.ts';
import type { MessageRouter } from './router.ts';
import { claimVacationReply, readVacation, type VacationSettings } from './vacation-responses.ts';

/** RFC 3834 §2: "SHOULD NOT send more than one response to the same sender within a period" (Sieve vacation's default is 7 days). */
export const VACATION_PERIOD_MS = 7 * 24 * 60 * 60_000;

/** Senders that are programs, not people (RFC 3834 §2, §3.2: no replies to them). */
const MACHINE_SENDER = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply-.*|bounces?([-+.].*)?|.*-bounces?|listserv|majordomo|owner-.*|.*-request|.*-owner)$/i;

export interface DeliveredMessage {
  parsed: ParsedMessage;
  /** The envelope sender (Return-Path): where an automatic response goes (RFC 3834 §4). */
  mailFrom: string;
}

function header(parsed: ParsedMessage, name: string): string | null {
  const field = parsed.headers.find((h) => h.name.toLowerCase() === name);
  return field ? field.value.trim() : null;
}

/** Whether the message may get an automatic response at all (RFC 3834 §2, RFC 2369, RFC 2919). */
export function mayAutoReply(message: DeliveredMessage): boolean {
  const sender = message.mailFrom.trim();
  if (sender === '' || !sender.includes('@')) return false;
  if (MACHINE_SENDER.test(sender.slice(0, sender.lastIndexOf('@')))) return false;
  const autoSubmitted = header(message.parsed, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.split(';')[0].trim().toLowerCase() !== 'no') return false;
  const precedence = header(message.parsed, 'precedence')?.toLowerCase();
  if (precedence === 'bulk' || precedence === 'list' || precedence === 'junk') return false;
  return !message.parsed.headers.some((h) => h.name.toLowerCase().startsWith('list-'));
}

function isActive(settings: VacationSettings, now: number): boolean {
  return settings.isEnabled && (settings.fromDate === null || settings.fromDate <= now) && (settings.toDate === null || now < settings.toDate);
}

export class VacationResponder {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly router: MessageRouter,
    private readonly hostname: string,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called after the commit; replies run in the background and only ever log their failures. */
  delivered(message: DeliveredMessage, recipients: LocalRecipient[]): void {
    if (!mayAutoReply(message)) return;
    for (const recipient of expandRecipients(recipients)) {
      this.replyFor(recipient.principalId, message).catch((err: unknown) => this.log(`vacation: reply for account ${recipient.principalId} failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private async replyFor(accountId: number, message: DeliveredMessage): Promise<void> {
    const { settings } = await readVacation(this.db, accountId);
    const now = this.now();
    if (!isActive(settings, now)) return;
    // RFC 3834 §2: only mail addressed to the user in To or Cc, not Bcc, a list or a group.
    const own = new Set((await addressesOf(this.db, accountId)).map((a) => a.toLowerCase()));
    const addressed = [...message.parsed.envelope.to, ...message.parsed.envelope.cc].find((a) => own.has(a.address.toLowerCase()));
    if (!addressed) return;
    const sender = message.mailFrom.toLowerCase();
    if (own.has(sender)) return;
    if (!(await claimVacationReply(this.db, accountId, sender, now, VACATION_PERIOD_MS))) return;
    const raw = await this.compose(settings, message, addressed.address);
    // RFC 3834 §3.3: the response has a null return path, so it can never be answered or bounced back.
    await this.router.route({ sender: '', recipients: [{ address: message.mailFrom }], raw, principalId: accountId });
  }

  private compose(settings: VacationSettings, message: DeliveredMessage, from: string): Promise<Buffer> {
    const { parsed } = message;
    const subject = settings.subject ?? `Auto: ${parsed.subject}`;
    const references = parsed.messageId ? [...parsed.references, parsed.messageId].map((id) => `<${id}>`).join(' ') : undefined;
    const text = settings.textBody ?? (settings.htmlBody === null ? 'I am away and will read your message when I return.' : undefined);
    const node = new MailComposer({
      from,
      to: message.mailFrom,
      subject,
      text,
      html: settings.htmlBody ?? undefined,
      messageId: `<${randomUUID()}@${this.hostname}>`,
      date: new Date(this.now()),
      inReplyTo: parsed.messageId ? `<${parsed.messageId}>` : undefined,
      references,
      // RFC 3834 §5: marks it as an automatic response, so other responders leave it alone.
      headers: { 'Auto-Submitted': 'auto-replied' },
    }).compile();
    return new Promise((resolve, reject) => node.build((err, raw) => (err ? reject(err) : resolve(raw))));
  }
}
