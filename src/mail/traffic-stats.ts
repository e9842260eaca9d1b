import { sql, type Kysely } from 'kysely';

import { FixedShapeQuery } from '../store/fixed-shape-query.ts';
import type { Database } from '../store/schema.ts';

/**
 * Mail traffic counters for the admin dashboard: per tenant and UTC hour, the messages received
 * from outside and the messages its users submitted. A delivery bumps its tenant's row of the
 * hour with one upsert inside the commit it already makes (the group commit batches those, so
 * the row is written once per batch's transaction, never in a transaction of its own).
 */

const HOUR_MS = 3_600_000;

export function hourOf(time: number): number {
  return time - (time % HOUR_MS);
}

/** On the delivery path, so compiled once per dialect like delivery's own statements. */
const bumpHour = new FixedShapeQuery<{ tenantId: number; hour: number; received: number; sent: number }, never>((db, param) =>
  db
    .insertInto('traffic_stats')
    .values({ tenant_id: param('tenantId'), hour: param('hour'), received: param('received'), sent: param('sent') })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'hour']).doUpdateSet({ received: sql<number>`traffic_stats.received + excluded.received`, sent: sql<number>`traffic_stats.sent + excluded.sent` }),
    ),
);

async function bump(db: Kysely<Database>, tenantId: number, counts: { received?: number; sent?: number }, now: number): Promise<void> {
  await bumpHour.execute(db, { tenantId, hour: hourOf(now), received: counts.received ?? 0, sent: counts.sent ?? 0 });
}

/**
 * Inside a delivery's transaction: one message received from outside for each tenant among its
 * recipients (a message to three people of one organisation is one message that organisation received).
 */
export async function countReceived(trx: Kysely<Database>, recipients: readonly { tenantId: number }[], now = Date.now()): Promise<void> {
  for (const tenantId of new Set(recipients.map((r) => r.tenantId))) await bump(trx, tenantId, { received: 1 }, now);
}

/**
 * After a submission was accepted: one message sent by the tenant. It runs after the message's
 * own commit, so a failure here must not fail the submission: the client would send the
 * message again. A lost count is the lesser harm.
 */
export async function countSubmitted(db: Kysely<Database>, tenantId: number, now = Date.now()): Promise<void> {
  try {
    await bump(db, tenantId, { sent: 1 }, now);
  } catch {
    // See above: a statistic is never a reason to refuse mail already on its way.
  }
}

export interface TrafficHour {
  /** Start of the hour, milliseconds since the epoch. */
  hour: number;
  received: number;
  sent: number;
}

/**
 * The `hours` whole hours up to and including the current one, oldest first, with zeroes for
 * hours without traffic; one tenant's, or (tenantId null) the whole installation's.
 */
export async function trafficByHour(db: Kysely<Database>, options: { tenantId: number | null; hours: number; now?: number }): Promise<TrafficHour[]> {
  const last = hourOf(options.now ?? Date.now());
  const first = last - (options.hours - 1) * HOUR_MS;
  let query = db
    .selectFrom('traffic_stats')
    .select(['hour', (eb) => eb.fn.sum<number>('received').as('received'), (eb) => eb.fn.sum<number>('sent').as('sent')])
    .where('hour', '>=', first)
    .where('hour', '<=', last)
    .groupBy('hour');
  if (options.tenantId !== null) query = query.where('tenant_id', '=', options.tenantId);
  const rows = new Map((await query.execute()).map((r) => [Number(r.hour), r]));
  const series: TrafficHour[] = [];
  for (let hour = first; hour <= last; hour += HOUR_MS) {
    const row = rows.get(hour);
    series.push({ hour, received: Number(row?.received ?? 0), sent: Number(row?.sent ?? 0) });
  }
  return series;
}
