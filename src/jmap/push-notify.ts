import { accountModseq } from '../mail/jmap-changes.ts';
import type { JmapContext } from './context.ts';

/**
 * Tells the account's push subscribers that something outside the mail change log changed
 * (Identity, EmailSubmission, VacationResponse): they work out which states moved (event-source.ts).
 * No mailbox is named, so IMAP sessions on the same bus ignore it.
 */
export async function announceAccountChange(ctx: JmapContext, accountId: number): Promise<void> {
  ctx.services.changes.publish({ accountId, modseq: await accountModseq(ctx.services.store.db, accountId), mailboxIds: [] });
}
