import type { AdminApi, Page } from '../api.ts';

/** An org unit as GET /api/v1/units answers: a tree, each node with its sub-units. */
export interface UnitNode {
  id: number;
  parentId: number | null;
  name: string;
  path: string;
  members: number;
  children: UnitNode[];
}

/** A super-admin names the tenant; everyone else always gets their own. */
export async function loadUnits(api: AdminApi, tenant?: number): Promise<UnitNode[]> {
  return (await api.get<Page<UnitNode>>('/units', { tenant })).items;
}

/** Every unit, parents before their children, with its depth, for selects and lists. */
export function flattenUnits(nodes: UnitNode[], depth = 0): { unit: UnitNode; depth: number }[] {
  return nodes.flatMap((unit) => [{ unit, depth }, ...flattenUnits(unit.children, depth + 1)]);
}
