// /api/v1/stats: the admin dashboard's figures: mail traffic per hour, the queue, storage, and the
// accounts using the most storage. Tenant admins get their organisation's; a super-admin everyone's or ?tenant=.
import { Type } from 'typebox';

import { overview, storageByAccount, traffic } from '../../../admin/stats.ts';
import { adminContext } from '../auth.ts';
import { ERRORS, Page, type Api } from '../schemas.ts';

const TENANT = { tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: only this tenant; default the whole installation' })) };
const TenantId = Type.Union([Type.Integer(), Type.Null()], { description: 'the tenant the figures are about; null: the whole installation' });

const TrafficHour = Type.Object({
  hour: Type.String({ format: 'date-time', description: 'start of the hour (UTC)' }),
  received: Type.Integer({ description: 'messages delivered to local mailboxes from outside' }),
  sent: Type.Integer({ description: 'messages submitted by the tenant\'s users' }),
});

const Overview = Type.Object({
  tenantId: TenantId,
  queue: Type.Object({
    active: Type.Integer({ description: 'recipients waiting for a first attempt' }),
    deferred: Type.Integer({ description: 'recipients waiting for a retry' }),
    failed: Type.Integer({ description: 'recipients given up on, in messages still queued for others' }),
  }),
  storage: Type.Object({ usedBytes: Type.Integer(), quotaBytes: Type.Integer({ description: 'the tenant\'s storage limit; 0: none' }) }),
  users: Type.Integer(),
  domains: Type.Integer(),
  messagesToday: Type.Object({ received: Type.Integer(), sent: Type.Integer() }, { description: 'since 00:00 UTC' }),
});

const AccountStorage = Type.Object(
  { id: Type.Integer(), address: Type.String(), kind: Type.String(), displayName: Type.String(), usedBytes: Type.Integer(), quotaBytes: Type.Integer({ description: '0: unlimited' }) },
  { additionalProperties: true },
);

export function statsRoutes(api: Api): void {
  const tags = ['stats'];
  api.get(
    '/stats/traffic',
    {
      schema: {
        tags,
        summary: 'Messages received and sent per hour, oldest first, over the last 24 hours or 7 days',
        querystring: Type.Object({ hours: Type.Optional(Type.Union([Type.Literal(24), Type.Literal(168)], { default: 24 })), ...TENANT }),
        response: { 200: Type.Object({ tenantId: TenantId, hours: Type.Array(TrafficHour) }), ...ERRORS },
      },
    },
    async (request) => {
      const result = await traffic(adminContext(request), { hours: request.query.hours ?? 24, tenant: request.query.tenant });
      return { tenantId: result.tenantId, hours: result.hours.map((h) => ({ ...h, hour: new Date(h.hour).toISOString() })) };
    },
  );
  api.get('/stats/overview', { schema: { tags, summary: 'Queue, storage, users, domains and today\'s messages at a glance', querystring: Type.Object(TENANT), response: { 200: Overview, ...ERRORS } } }, async (request) =>
    overview(adminContext(request), { tenant: request.query.tenant }),
  );
  api.get(
    '/stats/storage',
    {
      schema: {
        tags,
        summary: 'The accounts using the most storage, largest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), ...TENANT }),
        response: { 200: Page(AccountStorage), ...ERRORS },
      },
    },
    async (request) => ({ items: await storageByAccount(adminContext(request), { tenant: request.query.tenant, limit: request.query.limit ?? 50 }), next: null }),
  );
}
