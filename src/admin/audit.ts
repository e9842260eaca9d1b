import { iterateAudit, parseAuditTime, type AuditFilter, type AuditRecord } from '../directory/audit.ts';
import { DirectoryError } from '../directory/errors.ts';
import { audit, requireScope, tenantScope, type AdminContext } from './context.ts';
import { tenantForAdmin, type TenantRef } from './tenants.ts';

export type { AuditRecord };

export interface AuditQuery {
  /** Milliseconds since the epoch, or a date/time such as `2026-11-01` (UTC) or `2026-11-01T08:00:00Z`; inclusive. */
  since?: number | string;
  /** Exclusive. */
  until?: number | string;
  action?: string;
  actor?: string;
  /** For a super-admin: only this tenant's records. */
  tenant?: TenantRef;
  limit?: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;

function time(value: number | string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : parseAuditTime(value, field);
}

/**
 * The filter the actor may read with: a super-admin reads everything (or one tenant), a tenant
 * admin only its own tenant's records. Domain admins and users may not read the log: it holds
 * the whole organisation's logins.
 */
async function scopedFilter(ctx: AdminContext, query: AuditQuery, defaultLimit: number | undefined): Promise<AuditFilter> {
  requireScope(ctx, 'audit:read');
  const requested = query.tenant !== undefined ? Number((await tenantForAdmin(ctx, query.tenant)).id) : null;
  if (ctx.actor.role === 'user' || ctx.actor.role === 'domain-admin') throw new DirectoryError('forbidden', 'only a tenant admin may read the audit log');
  const limit = query.limit ?? defaultLimit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new DirectoryError('invalid', 'limit must be a positive whole number', 'limit');
  const tenantId = tenantScope(ctx, requested);
  return { since: time(query.since, 'since'), until: time(query.until, 'until'), action: query.action, actor: query.actor, tenantId: tenantId ?? undefined, limit };
}

/** Matching records, newest first (default: the last 100). */
export async function listAudit(ctx: AdminContext, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const filter = await scopedFilter(ctx, query, DEFAULT_AUDIT_LIMIT);
  const records: AuditRecord[] = [];
  for await (const record of iterateAudit(ctx.db, filter)) records.push(record);
  return records;
}

/**
 * Every matching record, newest first, a page at a time (see directory/audit.ts), for a stream
 * the edge writes out as JSON lines or CSV. The export itself is recorded: who took the log away.
 */
export async function exportAudit(ctx: AdminContext, query: AuditQuery = {}): Promise<AsyncGenerator<AuditRecord>> {
  const filter = await scopedFilter(ctx, query, undefined);
  await audit(ctx, 'audit.export', filter.tenantId === undefined ? '*' : `tenant:${filter.tenantId}`, { since: filter.since ?? null, until: filter.until ?? null, action: filter.action ?? null, actor: filter.actor ?? null }, filter.tenantId ?? ctx.actor.tenantId);
  return iterateAudit(ctx.db, filter);
}
