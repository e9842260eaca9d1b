import { DirectoryError } from '../directory/errors.ts';
import { trafficByHour, type TrafficHour } from '../mail/traffic-stats.ts';
import { requireScope, tenantScope, type AdminContext } from './context.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';

/**
 * Figures for the admin dashboard: mail traffic per hour, the outbound queue, storage and the
 * directory's size. A tenant admin sees its own organisation's; a super-admin the whole
 * installation's or (with `tenant`) one organisation's. Domain admins see none: the figures
 * are the organisation's, not their domains'.
 */

export const TRAFFIC_WINDOWS = [24, 168] as const;
export type TrafficWindow = (typeof TRAFFIC_WINDOWS)[number];

export interface QueueFigures {
  /** Recipients waiting for their first attempt. */
  active: number;
  /** Recipients waiting for a retry after a temporary failure. */
  deferred: number;
  /** Recipients given up on whose message still waits for others (bounced already). */
  failed: number;
}

export interface Overview {
  /** The tenant the figures are about; null: the whole installation. */
  tenantId: number | null;
  queue: QueueFigures;
  /** usedBytes over quotaBytes, the tenant's storage limit (0: none). */
  storage: { usedBytes: number; quotaBytes: number };
  users: number;
  domains: number;
  /** Since 00:00 UTC. */
  messagesToday: { received: number; sent: number };
}

export interface AccountStorage {
  id: number;
  address: string;
  kind: string;
  displayName: string;
  usedBytes: number;
  /** 0 means unlimited. */
  quotaBytes: number;
}

/** The tenant the actor asks about, checked: null only for a super-admin asking about everything. */
async function statsScope(ctx: AdminContext, tenant: TenantRef | undefined): Promise<number | null> {
  requireScope(ctx, 'directory:read');
  const requested = tenant !== undefined ? Number((await tenantForAdmin(ctx, tenant)).id) : null;
  if (ctx.actor.role === 'user' || ctx.actor.role === 'domain-admin') throw new DirectoryError('forbidden', 'only a tenant admin may read the organisation\'s statistics');
  const tenantId = tenantScope(ctx, requested);
  if (tenantId === null && ctx.actor.role !== 'super-admin') throw new DirectoryError('not_found', 'no such tenant', 'tenant');
  return tenantId;
}

/** Messages received from outside and submitted, per hour, over the last 24 hours or 7 days. */
export async function traffic(ctx: AdminContext, input: { hours: TrafficWindow; tenant?: TenantRef }): Promise<{ tenantId: number | null; hours: TrafficHour[] }> {
  if (!TRAFFIC_WINDOWS.includes(input.hours)) throw new DirectoryError('invalid', `hours is one of ${TRAFFIC_WINDOWS.join(', ')}`, 'hours');
  const tenantId = await statsScope(ctx, input.tenant);
  return { tenantId, hours: await trafficByHour(ctx.db, { tenantId, hours: input.hours }) };
}

async function queueFigures(ctx: AdminContext, tenantId: number | null): Promise<QueueFigures> {
  let query = ctx.db
    .selectFrom('queue_recipients as r')
    .innerJoin('queue_messages as m', 'm.id', 'r.queue_message_id')
    .select(['r.status', (eb) => eb.cast<number>(eb.case().when('r.attempts', '>', 0).then(1).else(0).end(), 'integer').as('retried'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['r.status', 'retried']);
  if (tenantId !== null) query = query.where('m.tenant_id', '=', tenantId);
  const figures: QueueFigures = { active: 0, deferred: 0, failed: 0 };
  for (const row of await query.execute()) {
    const n = Number(row.n);
    if (row.status === 'failed') figures.failed += n;
    else if (row.status === 'pending') figures[Number(row.retried) === 1 ? 'deferred' : 'active'] += n;
  }
  return figures;
}

export async function overview(ctx: AdminContext, input: { tenant?: TenantRef } = {}): Promise<Overview> {
  const tenantId = await statsScope(ctx, input.tenant);
  const { db } = ctx;
  let principals = db
    .selectFrom('principals')
    .select([(eb) => eb.fn.sum<number>('used_bytes').as('bytes'), (eb) => eb.fn.countAll<number>().filterWhere('kind', '=', 'user').as('users')]);
  let domains = db.selectFrom('domains').select((eb) => eb.fn.countAll<number>().as('n'));
  if (tenantId !== null) {
    principals = principals.where('tenant_id', '=', tenantId);
    domains = domains.where('tenant_id', '=', tenantId);
  }
  const tenant = tenantId === null ? undefined : await db.selectFrom('tenants').select('max_storage').where('id', '=', tenantId).executeTakeFirst();
  const [usage, domainCount, queue, today] = await Promise.all([
    principals.executeTakeFirstOrThrow(),
    domains.executeTakeFirstOrThrow(),
    queueFigures(ctx, tenantId),
    trafficByHour(db, { tenantId, hours: new Date().getUTCHours() + 1 }),
  ]);
  return {
    tenantId,
    queue,
    storage: { usedBytes: Number(usage.bytes ?? 0), quotaBytes: Number(tenant?.max_storage ?? 0) },
    users: Number(usage.users),
    domains: Number(domainCount.n),
    messagesToday: { received: today.reduce((n, h) => n + h.received, 0), sent: today.reduce((n, h) => n + h.sent, 0) },
  };
}

/** The accounts (users and shared mailboxes) using the most storage, largest first. */
export async function storageByAccount(ctx: AdminContext, input: { tenant?: TenantRef; limit: number }): Promise<AccountStorage[]> {
  const tenantId = await statsScope(ctx, input.tenant);
  let query = ctx.db
    .selectFrom('principals as p')
    .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.id', 'p.kind', 'p.login', 'p.display_name', 'p.used_bytes', 'p.quota_bytes', 'a.address'])
    .where('p.kind', 'in', ['user', 'shared'])
    .orderBy('p.used_bytes', 'desc')
    .orderBy('p.id')
    .limit(input.limit);
  if (tenantId !== null) query = query.where('p.tenant_id', '=', tenantId);
  return (await query.execute()).map((row) => ({
    id: Number(row.id),
    address: row.address ?? row.login ?? `#${row.id}`,
    kind: row.kind,
    displayName: row.display_name,
    usedBytes: Number(row.used_bytes),
    quotaBytes: Number(row.quota_bytes),
  }));
}
