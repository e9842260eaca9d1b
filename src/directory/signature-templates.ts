import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';
import { galEntryOf } from './gal.ts';
import { PLACEHOLDER, PLACEHOLDERS, renderHtml, renderText, type SignatureValues } from './signature-render.ts';

export { renderHtml, renderText } from './signature-render.ts';

/**
 * The organisation-wide signature: one template per tenant, as plain text and as HTML, written
 * with placeholders that each user's signature fills from the directory (their GAL entry and the
 * tenant's name). A line whose placeholder has no value for a user (no phone, no title) is left
 * out whole, so a template can list every field without leaving "Phone: " lines behind. In HTML a
 * line ends at a newline or at a <br>.
 */

export interface SignatureTemplate {
  text: string;
  html: string;
}

const MAX_TEMPLATE = 20_000;

function checkTemplate(value: string, field: 'text' | 'html'): string {
  if (value.length > MAX_TEMPLATE) throw new DirectoryError('invalid', `the ${field} template is at most ${MAX_TEMPLATE} characters`, field);
  if (value.includes('\u0000')) throw new DirectoryError('invalid', `the ${field} template cannot contain NUL characters`, field);
  for (const match of value.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1].toLowerCase())) {
      throw new DirectoryError('invalid', `unknown placeholder {{${match[1]}}} in the ${field} template; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`, field);
    }
  }
  return value;
}

export async function getSignatureTemplate(db: Kysely<Database>, tenantId: number): Promise<SignatureTemplate> {
  const row = await db.selectFrom('signature_templates').select(['text_template', 'html_template']).where('tenant_id', '=', tenantId).executeTakeFirst();
  return { text: row?.text_template ?? '', html: row?.html_template ?? '' };
}

/** Stores the tenant's template; two empty strings remove it. */
export async function setSignatureTemplate(db: Kysely<Database>, tenantId: number, template: SignatureTemplate): Promise<SignatureTemplate> {
  const text = checkTemplate(template.text, 'text');
  const html = checkTemplate(template.html, 'html');
  if (text === '' && html === '') {
    await db.deleteFrom('signature_templates').where('tenant_id', '=', tenantId).execute();
    return { text, html };
  }
  const values = { text_template: text, html_template: html, updated_at: Date.now() };
  await db
    .insertInto('signature_templates')
    .values({ tenant_id: tenantId, ...values })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
    .execute();
  return { text, html };
}

/** What the placeholders stand for, for one principal: its GAL entry and its organisation's name. */
export async function signatureValuesFor(db: Kysely<Database>, principalId: number): Promise<SignatureValues> {
  const entry = await galEntryOf(db, principalId);
  const tenant = await db
    .selectFrom('principals as p')
    .innerJoin('tenants as t', 't.id', 'p.tenant_id')
    .select('t.display_name')
    .where('p.id', '=', principalId)
    .executeTakeFirst();
  return { name: entry.name, email: entry.address, title: entry.title, department: entry.department ?? '', phone: entry.phone, organisation: tenant?.display_name ?? '' };
}

/** The principal's signature as its organisation's template renders it; empty strings without a template. */
export async function renderSignatureFor(db: Kysely<Database>, tenantId: number, principalId: number): Promise<SignatureTemplate> {
  const template = await getSignatureTemplate(db, tenantId);
  if (template.text === '' && template.html === '') return template;
  const values = await signatureValuesFor(db, principalId);
  return { text: renderText(template.text, values), html: renderHtml(template.html, values) };
}
