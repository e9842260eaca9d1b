// /api/v1/audit: the audit log (admin actions and logins), newest first, and its export as CSV or JSON lines.
import { Readable } from 'node:stream';

import { Type } from 'typebox';

import { exportAudit, listAudit, type AuditRecord } from '../../../admin/audit.ts';
import { csvHeader, csvLine } from '../../../directory/audit.ts';
import { adminContext } from '../auth.ts';
import { ERRORS, type Api } from '../schemas.ts';

const TIME = 'a date (UTC) such as 2026-11-01, a time such as 2026-11-01T08:00:00Z, or milliseconds since the epoch';
const Filter = {
  since: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: `inclusive: ${TIME}` })),
  until: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: `exclusive: ${TIME}; the list's \`next\`` })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: only this tenant' })),
};

const AuditRecordSchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    tenantId: Type.Union([Type.Integer(), Type.Null()]),
    actor: Type.String(),
    action: Type.String(),
    target: Type.Union([Type.String(), Type.Null()]),
    remoteAddress: Type.Union([Type.String(), Type.Null()]),
    protocol: Type.Union([Type.String(), Type.Null()]),
    details: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

/** The export is a stream of text, never a JSON value. */
const Stream = Type.Unsafe<Readable>({ type: 'string' });

/** A record as a CSV row (RFC 4180) or one JSON line. */
async function* lines(records: AsyncGenerator<AuditRecord>, format: 'csv' | 'jsonl'): AsyncGenerator<string> {
  if (format === 'csv') yield csvHeader();
  for await (const record of records) yield format === 'csv' ? csvLine(record) : `${JSON.stringify(record)}\n`;
}

export function auditRoutes(api: Api): void {
  const tags = ['audit'];
  api.get(
    '/audit',
    {
      schema: {
        tags,
        summary: 'Audit records, newest first (tenant admins: their organisation\'s)',
        querystring: Type.Object({ ...Filter, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
        response: { 200: Type.Object({ items: Type.Array(AuditRecordSchema), next: Type.Union([Type.String(), Type.Null()], { description: 'the `until` of the next page' }) }), ...ERRORS },
      },
    },
    async (request) => {
      const { limit = 100, ...filter } = request.query;
      // One more than asked shows whether there is a next page; records sharing the last millisecond
      // would be skipped by `until`, so the page ends before them and they lead the next one.
      const records = await listAudit(adminContext(request), { ...filter, limit: limit + 1 });
      if (records.length <= limit) return { items: records, next: null };
      const cut = records[limit].at;
      const items = records.slice(0, limit).filter((r) => r.at !== cut);
      if (items.length === 0) return { items: records.slice(0, limit), next: null };
      return { items, next: String(Date.parse(cut) + 1) };
    },
  );
  api.get(
    '/audit/export',
    {
      schema: {
        tags,
        summary: 'Every matching record as CSV (RFC 4180) or JSON lines, streamed; the export is itself audited',
        querystring: Type.Object({ ...Filter, format: Type.Optional(Type.Enum(['csv', 'jsonl'], { default: 'csv' })) }),
        produces: ['text/csv', 'application/x-ndjson'],
        response: { 200: { description: 'the records, newest first', content: { 'text/csv': { schema: Stream }, 'application/x-ndjson': { schema: Stream } } }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query;
      const records = await exportAudit(adminContext(request), filter);
      return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8').send(Readable.from(lines(records, format)));
    },
  );
}
