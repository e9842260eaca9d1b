// The account's vacation notice (JMAP VacationResponse, RFC 8621 §8), stored per account.
import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

export interface VacationSettings {
  isEnabled: boolean;
  /** ms since the epoch; null: no bound. */
  fromDate: number | null;
  toDate: number | null;
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
}

export const VACATION_OFF: VacationSettings = { isEnabled: false, fromDate: null, toDate: null, subject: null, textBody: null, htmlBody: null };

export async function readVacation(db: Kysely<Database>, accountId: number): Promise<{ settings: VacationSettings; state: string }> {
  const row = await db.selectFrom('vacation_responses').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!row) return { settings: VACATION_OFF, state: '0' };
  return {
    settings: {
      isEnabled: row.is_enabled === 1,
      fromDate: row.from_date === null ? null : Number(row.from_date),
      toDate: row.to_date === null ? null : Number(row.to_date),
      subject: row.subject,
      textBody: row.text_body,
      htmlBody: row.html_body,
    },
    state: String(row.seq),
  };
}

/**
 * Saves the settings. Whom a reply went to is forgotten, so a new notice reaches senders who
 * got the last one (as a changed Sieve vacation action does, RFC 5230 §4.2).
 */
export async function writeVacation(db: Kysely<Database>, accountId: number, settings: VacationSettings): Promise<void> {
  const values = {
    is_enabled: settings.isEnabled ? 1 : 0,
    from_date: settings.fromDate,
    to_date: settings.toDate,
    subject: settings.subject,
    text_body: settings.textBody,
    html_body: settings.htmlBody,
  };
  await db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('vacation_responses').set((eb) => ({ ...values, seq: eb('seq', '+', 1) })).where('account_id', '=', accountId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('vacation_responses').values({ account_id: accountId, ...values, seq: 1 }).execute();
    await trx.deleteFrom('vacation_replies').where('account_id', '=', accountId).execute();
  });
}

/**
 * Claims the right to answer `sender` now: true (and remembered) when nobody answered them
 * within `periodMs`. Claimed before the reply is sent, so two deliveries at once send one reply.
 */
export async function claimVacationReply(db: Kysely<Database>, accountId: number, sender: string, now: number, periodMs: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('vacation_replies').select('sent_at').where('account_id', '=', accountId).where('sender', '=', sender).executeTakeFirst();
    if (row && Number(row.sent_at) > now - periodMs) return false;
    if (row) await trx.updateTable('vacation_replies').set({ sent_at: now }).where('account_id', '=', accountId).where('sender', '=', sender).execute();
    else await trx.insertInto('vacation_replies').values({ account_id: accountId, sender, sent_at: now }).execute();
    return true;
  });
}
