import { userInfo } from 'node:os';

import type { Kysely, Selectable } from 'kysely';

import type { AuditLogTable, Database } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

/** Where a login came from, as the protocol listener saw it. */
export interface LoginContext {
  protocol: string;
  remoteAddress?: string;
}

export interface AuditInput {
  tenantId?: number | null;
  actor: string;
  action: string;
  target?: string | null;
  remoteAddress?: string | null;
  protocol?: string | null;
  details?: Record<string, unknown>;
  /** Defaults to now. */
  at?: number;
}

/** An audit record as `petrel audit list --json` and the export print it. */
export interface AuditRecord {
  id: number;
  at: string;
  tenantId: number | null;
  actor: string;
  action: string;
  target: string | null;
  remoteAddress: string | null;
  protocol: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  action?: string;
  actor?: string;
  tenantId?: number;
  limit?: number;
}

/** Login names are client input: keep a bounded, printable copy. */
const MAX_FIELD = 256;
function clip(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_FIELD);
}

export async function recordAudit(db: Kysely<Database>, input: AuditInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      tenant_id: input.tenantId ?? null,
      at: input.at ?? Date.now(),
      actor: clip(input.actor) ?? '',
      action: input.action,
      target: clip(input.target),
      remote_address: clip(input.remoteAddress),
      protocol: clip(input.protocol),
      details: JSON.stringify(input.details ?? {}),
    })
    .execute();
}

/** The admin CLI acts as the operating-system user who ran it. */
export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the uid is still who it was.
    name = String(process.getuid?.() ?? 'unknown');
  }
  return `cli:${name}`;
}

/**
 * `2026-11-01`, `2026-11-01T12:00:00Z` or milliseconds since the epoch. A bare date is midnight
 * UTC, so `--since 2026-11-01 --until 2026-11-02` is that whole day wherever the admin sits.
 */
export function parseAuditTime(text: string, field: string): number {
  const trimmed = text.trim();
  const ms = /^\d{10,}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(ms)) throw new DirectoryError('invalid', `${field}: not a date or time: ${text} (use e.g. 2026-11-01 or 2026-11-01T12:00:00Z)`, field);
  return ms;
}

function toRecord(row: AuditRow): AuditRecord {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    details = { raw: row.details };
  }
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    tenantId: row.tenant_id === null ? null : Number(row.tenant_id),
    actor: row.actor,
    action: row.action,
    target: row.target,
    remoteAddress: row.remote_address,
    protocol: row.protocol,
    details,
  };
}

type AuditRow = Selectable<AuditLogTable>;

const PAGE = 500;

/**
 * Every matching record, newest first, read a page at a time by keyset (at, id) so that an
 * export of a large log holds one page in memory, never the whole log.
 */
export async function* iterateAudit(db: Kysely<Database>, filter: AuditFilter = {}): AsyncGenerator<AuditRecord> {
  let remaining = filter.limit ?? Infinity;
  let after: { at: number; id: number } | null = null;
  while (remaining > 0) {
    let query = db.selectFrom('audit_log').selectAll();
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('at', '<', filter.until);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (after) {
      const { at, id } = after;
      query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
    }
    const rows: AuditRow[] = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(Math.min(PAGE, remaining)).execute();
    for (const row of rows) yield toRecord(row);
    if (rows.length < PAGE) return;
    remaining -= rows.length;
    const last = rows[rows.length - 1];
    after = { at: Number(last.at), id: Number(last.id) };
  }
}

export async function listAudit(db: Kysely<Database>, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of iterateAudit(db, filter)) records.push(record);
  return records;
}

export const CSV_COLUMNS = ['id', 'at', 'tenant_id', 'actor', 'action', 'target', 'remote_address', 'protocol', 'details'] as const;

/** RFC 4180: quote a field that holds a comma, quote or line break, doubling the quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(r: AuditRecord): string {
  const cells = [String(r.id), r.at, r.tenantId === null ? '' : String(r.tenantId), r.actor, r.action, r.target ?? '', r.remoteAddress ?? '', r.protocol ?? '', JSON.stringify(r.details)];
  return `${cells.map(csvField).join(',')}\r\n`;
}
