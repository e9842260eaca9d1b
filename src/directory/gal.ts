import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { Database, PrincipalKind } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

/**
 * The global address list: every principal of an organisation people may write to (users, shared
 * mailboxes, groups, resources) with its name, primary address, title, department (the path of its
 * org unit) and phone. Hidden and disabled principals are left out. Every user may search their
 * own organisation's list; the admin API serves it now and JMAP/CardDAV will serve the same
 * entries (the principal id is the stable id a directory card needs).
 *
 * Speed at 100,000 principals: entries are read in the order of the `principals_gal` index
 * (tenant_id, lower(display_name), id, ...), and a page continues after the last entry of the
 * previous one (keyset, never OFFSET), so any page, however deep, is an index seek plus `limit`
 * rows. A search filters that same walk and stops once a page is full: a common term fills it
 * within a few hundred entries; a term that matches almost nothing reads the tenant's entries
 * once, from the index alone (it also covers the title, unit and visibility columns the filter
 * needs), with the address and department matches each computed once by a subquery. On
 * PostgreSQL trigram indexes serve those substring matches.
 */

export const GAL_KINDS: readonly PrincipalKind[] = ['user', 'shared', 'group', 'resource'];
export const DEFAULT_GAL_LIMIT = 50;
export const MAX_GAL_LIMIT = 500;
/** Up to this many matches, a search reads just the matching rows; past it, it filters the name-ordered walk. */
const FEW_MATCHES = 1000;
const MAX_TITLE = 200;
const MAX_PHONE = 64;

export interface GalEntry {
  /** The principal id: stable across renames, the id a directory card or JMAP object will carry. */
  id: number;
  kind: PrincipalKind;
  name: string;
  address: string;
  title: string;
  /** Path of the org unit, e.g. `Engineering/Backend`; null when in none. */
  department: string | null;
  phone: string;
}

export interface GalPageRequest {
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
  /** Case-insensitive substring of the name, primary address, title or department. */
  query?: string;
}

export interface GalPage {
  items: GalEntry[];
  /** Pass as `after` for the following page; null on the last one. */
  next: string | null;
}

/** `%` and `_` typed in a search are literal characters, not patterns. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function encodeCursor(sortName: string, id: number): string {
  return Buffer.from(JSON.stringify([sortName, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { sortName: string; id: number } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1])) return { sortName: value[0], id: Number(value[1]) };
  } catch {
    // Falls through to the error below: a cursor is opaque, so any damage is the same mistake.
  }
  throw new DirectoryError('invalid', 'not a cursor this list gave out', 'after');
}

export function checkGalLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_GAL_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_GAL_LIMIT) throw new DirectoryError('invalid', `limit must be between 1 and ${MAX_GAL_LIMIT}`, 'limit');
  return limit;
}

/** One page of a tenant's GAL in name order (case-insensitive, ties by id), optionally searched. */
export async function searchGal(db: Kysely<Database>, tenantId: number, request: GalPageRequest = {}): Promise<GalPage> {
  const limit = checkGalLimit(request.limit);
  const sortName = sql<string>`lower(p.display_name)`;
  let query = db
    .selectFrom('principals as p')
    .innerJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .leftJoin('org_units as u', 'u.id', 'p.org_unit_id')
    .select(['p.id', 'p.kind', 'p.display_name', 'p.title', 'p.phone', 'a.address', 'u.path', sortName.as('sort_name')])
    .where('p.tenant_id', '=', tenantId)
    .where('p.kind', 'in', GAL_KINDS)
    .where('p.hidden_from_gal', '=', 0)
    .where('p.disabled', '=', 0);
  const needle = request.query?.trim();
  if (needle) {
    const pattern = likePattern(needle);
    const like = (expression: RawBuilder<string>) => sql<boolean>`${expression} like ${pattern} escape '\\'`;
    const byAddress = db.selectFrom('addresses as sa').innerJoin('domains as sd', 'sd.id', 'sa.domain_id').select('sa.principal_id as id').where('sd.tenant_id', '=', tenantId).where(like(sql`sa.address`));
    const byUnit = db.selectFrom('org_units as su').select('su.id').where('su.tenant_id', '=', tenantId).where(like(sql`lower(su.path)`));
    // First the matching ids, at most FEW_MATCHES of them, from each field on its own (each an
    // index lookup on PostgreSQL's trigram indexes): a rare term then needs only those rows.
    const matching = await db
      .selectFrom('principals as mn')
      .select('mn.id')
      .where('mn.tenant_id', '=', tenantId)
      .where(like(sql`lower(mn.display_name)`))
      .unionAll(db.selectFrom('principals as mt').select('mt.id').where('mt.tenant_id', '=', tenantId).where(like(sql`lower(mt.title)`)))
      .unionAll(byAddress)
      .unionAll(db.selectFrom('principals as mu').select('mu.id').where('mu.org_unit_id', 'in', byUnit))
      .limit(FEW_MATCHES + 1)
      .execute();
    if (matching.length === 0) return { items: [], next: null };
    // A common term instead filters the walk in name order, which fills a page within a few
    // hundred entries; name and title are read from the covering index being walked.
    query =
      matching.length <= FEW_MATCHES
        ? query.where('p.id', 'in', matching.map((m) => Number(m.id)))
        : query.where((eb) => eb.or([like(sortName), like(sql`lower(p.title)`), eb('p.id', 'in', byAddress), eb('p.org_unit_id', 'in', byUnit)]));
  }
  if (request.after !== undefined) {
    const cursor = decodeCursor(request.after);
    // "(name, id) after the cursor", written so that the index is sought to the cursor's name
    // (a range on the name column) rather than walked up to it; the OR only settles ties.
    query = query.where(sql<boolean>`${sortName} >= ${cursor.sortName} and (${sortName} > ${cursor.sortName} or p.id > ${cursor.id})`);
  }
  const rows = await query.orderBy(sortName).orderBy('p.id').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({ id: Number(r.id), kind: r.kind, name: r.display_name, address: r.address, title: r.title, department: r.path ?? null, phone: r.phone }));
  const last = page[page.length - 1];
  return { items, next: rows.length > limit ? encodeCursor(last.sort_name, Number(last.id)) : null };
}

export interface GalAttributes {
  title?: string;
  phone?: string;
  /** True leaves the principal out of the GAL; it still receives mail. */
  hidden?: boolean;
}

function checkText(value: string, max: number, field: string): string {
  const text = value.trim();
  if (text.length > max) throw new DirectoryError('invalid', `${field} is at most ${max} characters`, field);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new DirectoryError('invalid', `${field} cannot contain control characters`, field);
  return text;
}

export async function setGalAttributes(db: Kysely<Database>, principalId: number, attributes: GalAttributes): Promise<void> {
  const set: { title?: string; phone?: string; hidden_from_gal?: number } = {};
  if (attributes.title !== undefined) set.title = checkText(attributes.title, MAX_TITLE, 'title');
  if (attributes.phone !== undefined) {
    set.phone = checkText(attributes.phone, MAX_PHONE, 'phone');
    if (!/^[0-9+()\-. /x#*]*$/i.test(set.phone)) throw new DirectoryError('invalid', `not a phone number: ${attributes.phone}`, 'phone');
  }
  if (attributes.hidden !== undefined) set.hidden_from_gal = attributes.hidden ? 1 : 0;
  if (Object.keys(set).length > 0) await db.updateTable('principals').set(set).where('id', '=', principalId).execute();
}

/** A principal's entry as the GAL shows it, plus whether it is hidden (which the GAL itself never shows). */
export async function galEntryOf(db: Kysely<Database>, principalId: number): Promise<GalEntry & { hidden: boolean }> {
  const row = await db
    .selectFrom('principals as p')
    .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .leftJoin('org_units as u', 'u.id', 'p.org_unit_id')
    .select(['p.id', 'p.kind', 'p.display_name', 'p.title', 'p.phone', 'p.hidden_from_gal', 'p.login', 'a.address', 'u.path'])
    .where('p.id', '=', principalId)
    .executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', 'no such principal', 'address');
  return {
    id: Number(row.id),
    kind: row.kind,
    name: row.display_name,
    address: row.address ?? row.login ?? `#${row.id}`,
    title: row.title,
    department: row.path ?? null,
    phone: row.phone,
    hidden: row.hidden_from_gal === 1,
  };
}
