import { sql, type Kysely, type RawBuilder } from 'kysely';

import type { Database, PrincipalKind } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

/**
 * Org units: a tree of departments per tenant, any depth. A unit is named by its path from the top
 * (`Engineering/Backend`); each row keeps that path, so a subtree is "the unit's path or a path
 * under it" (see `inSubtree`) and the GAL shows a department without walking the tree.
 * Names are unique among siblings without regard to case; lookups ignore case too.
 */

export const PATH_SEPARATOR = '/';
const MAX_NAME_LENGTH = 100;

export interface OrgUnit {
  id: number;
  tenantId: number;
  parentId: number | null;
  name: string;
  path: string;
}

export interface OrgUnitNode extends OrgUnit {
  /** Principals assigned to this unit itself. */
  members: number;
  children: OrgUnitNode[];
}

export interface UnitMember {
  id: number;
  address: string;
  kind: PrincipalKind;
  displayName: string;
  /** The path of the unit the principal is assigned to (a sub-unit when listing a subtree). */
  unit: string;
}

type UnitRow = { id: number; tenant_id: number; parent_id: number | null; name: string; path: string };

function unitFrom(row: UnitRow): OrgUnit {
  return { id: Number(row.id), tenantId: Number(row.tenant_id), parentId: row.parent_id === null ? null : Number(row.parent_id), name: row.name, path: row.path };
}

function checkName(name: string, field: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new DirectoryError('invalid', 'a unit name cannot be empty', field);
  if (trimmed.includes(PATH_SEPARATOR)) throw new DirectoryError('invalid', `a unit name cannot contain "${PATH_SEPARATOR}": ${name}`, field);
  if (trimmed.length > MAX_NAME_LENGTH) throw new DirectoryError('invalid', `a unit name is at most ${MAX_NAME_LENGTH} characters`, field);
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new DirectoryError('invalid', 'a unit name cannot contain control characters', field);
  return trimmed;
}

/** `" Engineering / Backend/"` → `["Engineering", "Backend"]`; empty segments are ignored. */
export function splitPath(path: string, field = 'path'): string[] {
  const segments = path
    .split(PATH_SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (segments.length === 0) throw new DirectoryError('invalid', 'a unit path cannot be empty', field);
  return segments.map((s) => checkName(s, field));
}

/** Whether the text names the top of the tree (no unit): `/` or nothing. */
export function isTopPath(path: string): boolean {
  return path.split(PATH_SEPARATOR).every((s) => s.trim().length === 0);
}

/**
 * A condition that holds when the path `path` is `root` or lies below it. Both are SQL
 * expressions (column references or casted parameters). A descendant's path is always built from
 * its ancestor's stored path, so an exact prefix test suffices; `substr` is used rather than
 * LIKE, whose `%` and `_` could appear in a unit name.
 */
export function inSubtree(path: RawBuilder<string>, root: RawBuilder<string>): RawBuilder<boolean> {
  return sql<boolean>`(${path} = ${root} or substr(${path}, 1, length(${root}) + 1) = ${root} || '/')`;
}

function text(value: string): RawBuilder<string> {
  return sql<string>`cast(${value} as text)`;
}

function samePath(path: string) {
  return sql<boolean>`lower(path) = lower(${text(path)})`;
}

export async function findUnit(db: Kysely<Database>, tenantId: number, path: string, field = 'path'): Promise<OrgUnit> {
  const full = splitPath(path, field).join(PATH_SEPARATOR);
  const row = await db.selectFrom('org_units').selectAll().where('tenant_id', '=', tenantId).where(samePath(full)).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such org unit: ${full}`, field);
  return unitFrom(row);
}

async function findUnitOrNull(db: Kysely<Database>, tenantId: number, path: string): Promise<UnitRow | undefined> {
  return db.selectFrom('org_units').selectAll().where('tenant_id', '=', tenantId).where(samePath(path)).executeTakeFirst();
}

/**
 * Creates the unit at `path`, and any missing units above it (like `mkdir -p`). Refuses a path
 * that already exists.
 */
export async function createUnit(db: Kysely<Database>, tenantId: number, path: string): Promise<OrgUnit> {
  const segments = splitPath(path);
  return db.transaction().execute(async (trx) => {
    const full = segments.join(PATH_SEPARATOR);
    if (await findUnitOrNull(trx, tenantId, full)) throw new DirectoryError('conflict', `org unit ${full} already exists`, 'path');
    let parent: UnitRow | undefined;
    for (let i = 0; i < segments.length; i++) {
      const here = segments.slice(0, i + 1).join(PATH_SEPARATOR);
      const existing = await findUnitOrNull(trx, tenantId, here);
      parent =
        existing ??
        (await trx
          .insertInto('org_units')
          .values({ tenant_id: tenantId, parent_id: parent ? Number(parent.id) : null, name: segments[i], path: parent ? `${parent.path}${PATH_SEPARATOR}${segments[i]}` : segments[i] })
          .returningAll()
          .executeTakeFirstOrThrow());
    }
    return unitFrom(parent!);
  });
}

/** Gives the unit at `oldPath` (and so every path under it) the new prefix `newPath`. */
async function repath(trx: Kysely<Database>, tenantId: number, oldPath: string, newPath: string): Promise<void> {
  await trx
    .updateTable('org_units')
    .set({ path: sql`${text(newPath)} || substr(path, length(${text(oldPath)}) + 1)` })
    .where('tenant_id', '=', tenantId)
    .where(inSubtree(sql<string>`path`, text(oldPath)))
    .execute();
}

export async function renameUnit(db: Kysely<Database>, tenantId: number, path: string, newName: string): Promise<OrgUnit> {
  const name = checkName(newName, 'name');
  return db.transaction().execute(async (trx) => {
    const unit = await findUnit(trx, tenantId, path);
    const parentPath = unit.path.slice(0, unit.path.length - unit.name.length);
    const newPath = `${parentPath}${name}`;
    const clash = await findUnitOrNull(trx, tenantId, newPath);
    if (clash && Number(clash.id) !== unit.id) throw new DirectoryError('conflict', `org unit ${newPath} already exists`, 'name');
    await trx.updateTable('org_units').set({ name }).where('id', '=', unit.id).execute();
    await repath(trx, tenantId, unit.path, newPath);
    return { ...unit, name, path: newPath };
  });
}

/**
 * Moves a unit with its whole subtree under `newParentPath` (or to the top when it is `/`).
 * Moving a unit under itself or one of its own descendants would cut the subtree off the tree,
 * so that is refused.
 */
export async function moveUnit(db: Kysely<Database>, tenantId: number, path: string, newParentPath: string): Promise<OrgUnit> {
  return db.transaction().execute(async (trx) => {
    const unit = await findUnit(trx, tenantId, path);
    let parent: OrgUnit | null = null;
    if (!isTopPath(newParentPath)) {
      parent = await findUnit(trx, tenantId, newParentPath, 'parent');
      const lowerParent = parent.path.toLowerCase();
      const lowerUnit = unit.path.toLowerCase();
      if (lowerParent === lowerUnit || lowerParent.startsWith(`${lowerUnit}${PATH_SEPARATOR}`)) {
        throw new DirectoryError('invalid', `cannot move ${unit.path} under ${parent.path}: it is that unit or one of its own sub-units`, 'parent');
      }
    }
    const newPath = parent ? `${parent.path}${PATH_SEPARATOR}${unit.name}` : unit.name;
    if (newPath === unit.path) return unit;
    if (await findUnitOrNull(trx, tenantId, newPath)) throw new DirectoryError('conflict', `org unit ${newPath} already exists`, 'parent');
    await trx.updateTable('org_units').set({ parent_id: parent?.id ?? null }).where('id', '=', unit.id).execute();
    await repath(trx, tenantId, unit.path, newPath);
    return { ...unit, parentId: parent?.id ?? null, path: newPath };
  });
}

/** Ids of the unit and every unit below it. */
export async function subtreeIds(db: Kysely<Database>, unit: OrgUnit): Promise<number[]> {
  const rows = await db
    .selectFrom('org_units as u')
    .select('u.id')
    .where('u.tenant_id', '=', unit.tenantId)
    .where(inSubtree(sql<string>`u.path`, text(unit.path)))
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Removes a unit. One with sub-units, members or groups that name it is refused, unless
 * `rehomeTo` names where they go: then the whole subtree is removed, every principal in it is
 * assigned to `rehomeTo` (`/` for no unit), and groups that had a removed unit as a member get
 * `rehomeTo` instead (or lose that member when `rehomeTo` is the top).
 */
export async function removeUnit(db: Kysely<Database>, tenantId: number, path: string, options: { rehomeTo?: string } = {}): Promise<{ removedUnits: number; rehomedPrincipals: number }> {
  return db.transaction().execute(async (trx) => {
    const unit = await findUnit(trx, tenantId, path);
    const ids = await subtreeIds(trx, unit);
    const { n: members } = await trx.selectFrom('principals').select((eb) => eb.fn.countAll<number>().as('n')).where('org_unit_id', 'in', ids).executeTakeFirstOrThrow();
    const groupRefs = await trx.selectFrom('group_unit_members').select(['group_id', 'unit_id', 'include_subunits']).where('unit_id', 'in', ids).execute();
    if (options.rehomeTo === undefined) {
      if (ids.length > 1) throw new DirectoryError('conflict', `org unit ${unit.path} has ${ids.length - 1} sub-unit(s); move or remove them first, or re-home its members`, 'path');
      if (Number(members) > 0) throw new DirectoryError('conflict', `org unit ${unit.path} has ${members} member(s); assign them elsewhere first, or re-home them`, 'path');
      if (groupRefs.length > 0) throw new DirectoryError('conflict', `org unit ${unit.path} is a member of ${groupRefs.length} group(s); remove it from them first, or re-home`, 'path');
      await trx.deleteFrom('org_units').where('id', '=', unit.id).execute();
      return { removedUnits: 1, rehomedPrincipals: 0 };
    }
    let target: OrgUnit | null = null;
    if (!isTopPath(options.rehomeTo)) {
      target = await findUnit(trx, tenantId, options.rehomeTo, 'rehomeTo');
      if (ids.includes(target.id)) throw new DirectoryError('invalid', `cannot re-home into ${target.path}: it is being removed`, 'rehomeTo');
    }
    const moved = await trx.updateTable('principals').set({ org_unit_id: target?.id ?? null }).where('org_unit_id', 'in', ids).executeTakeFirst();
    if (target) {
      for (const ref of groupRefs) {
        await trx
          .insertInto('group_unit_members')
          .values({ group_id: ref.group_id, unit_id: target.id, include_subunits: ref.include_subunits })
          .onConflict((oc) => oc.columns(['group_id', 'unit_id']).doNothing())
          .execute();
      }
    }
    await trx.deleteFrom('group_unit_members').where('unit_id', 'in', ids).execute();
    await trx.deleteFrom('org_units').where('id', 'in', ids).execute();
    return { removedUnits: ids.length, rehomedPrincipals: Number(moved.numUpdatedRows) };
  });
}

/** The tenant's units as a forest, children sorted by name, each with its direct member count. */
export async function listUnits(db: Kysely<Database>, tenantId: number): Promise<OrgUnitNode[]> {
  const rows = await db.selectFrom('org_units').selectAll().where('tenant_id', '=', tenantId).execute();
  const counts = await db
    .selectFrom('principals as p')
    .innerJoin('org_units as u', 'u.id', 'p.org_unit_id')
    .select(['p.org_unit_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('u.tenant_id', '=', tenantId)
    .groupBy('p.org_unit_id')
    .execute();
  const memberCount = new Map(counts.map((c) => [Number(c.org_unit_id), Number(c.n)]));
  const nodes = new Map<number, OrgUnitNode>(rows.map((r) => [Number(r.id), { ...unitFrom(r), members: memberCount.get(Number(r.id)) ?? 0, children: [] }]));
  const roots: OrgUnitNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: OrgUnitNode[]) => {
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

const ASSIGNABLE: readonly PrincipalKind[] = ['user', 'shared', 'group', 'resource'];

/** Puts a user, shared mailbox, group or resource into a unit of its own tenant; `/` takes it out of any. */
export async function assignUnit(db: Kysely<Database>, principalId: number, tenantId: number, path: string): Promise<OrgUnit | null> {
  const principal = await db.selectFrom('principals').select(['id', 'tenant_id', 'kind']).where('id', '=', principalId).executeTakeFirst();
  if (!principal || Number(principal.tenant_id) !== tenantId) throw new DirectoryError('not_found', `no such principal`, 'address');
  if (!ASSIGNABLE.includes(principal.kind)) throw new DirectoryError('invalid', `a ${principal.kind} cannot belong to an org unit`, 'address');
  const unit = isTopPath(path) ? null : await findUnit(db, tenantId, path);
  await db.updateTable('principals').set({ org_unit_id: unit?.id ?? null }).where('id', '=', principalId).execute();
  return unit;
}

/** The principals in a unit, and with `includeSubunits` in every unit below it too. */
export async function unitMembers(db: Kysely<Database>, tenantId: number, path: string, options: { includeSubunits?: boolean } = {}): Promise<UnitMember[]> {
  const unit = await findUnit(db, tenantId, path);
  const ids = options.includeSubunits ? await subtreeIds(db, unit) : [unit.id];
  const rows = await db
    .selectFrom('principals as p')
    .innerJoin('org_units as u', 'u.id', 'p.org_unit_id')
    .leftJoin('addresses as a', (join) => join.onRef('a.principal_id', '=', 'p.id').on('a.is_primary', '=', 1))
    .select(['p.id', 'p.kind', 'p.display_name', 'p.login', 'a.address', 'u.path'])
    .where('p.org_unit_id', 'in', ids)
    .orderBy('p.id')
    .execute();
  return rows
    .map((r) => ({ id: Number(r.id), address: r.address ?? r.login ?? `#${r.id}`, kind: r.kind, displayName: r.display_name, unit: r.path }))
    .sort((a, b) => a.address.localeCompare(b.address));
}
