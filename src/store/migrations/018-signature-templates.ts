import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * The organisation-wide e-mail signature: one template per tenant, plain text and HTML, with
 * placeholders filled per user from the directory when a user's signature is rendered
 * (src/directory/signature-templates.ts). No row means no template.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await sql`create table signature_templates (
    tenant_id ${sql.raw(big)} primary key references tenants (id) on delete cascade,
    text_template text not null,
    html_template text not null,
    updated_at ${sql.raw(big)} not null
  )`.execute(db);
}
