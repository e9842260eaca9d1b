import { invalidArguments, MethodError } from '../proto/errors.ts';

/** A /query filter (RFC 8620 §5.5): an operator over filters, or a condition of the type's own. */
export type Filter<Condition> = { operator: 'AND' | 'OR' | 'NOT'; conditions: Filter<Condition>[] } | { condition: Condition };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a filter tree; `condition` checks one FilterCondition and throws for anything it does
 * not support (unsupportedFilter) or cannot read (invalidArguments).
 */
export function parseFilter<Condition>(value: unknown, condition: (raw: Record<string, unknown>) => Condition, depth = 0): Filter<Condition> | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalidArguments('filter must be an object', 'filter');
  if (depth > 32) throw new MethodError('unsupportedFilter', 'the filter is nested too deeply');
  if ('operator' in value) {
    const { operator, conditions } = value;
    if (operator !== 'AND' && operator !== 'OR' && operator !== 'NOT') throw new MethodError('unsupportedFilter', `unknown operator ${String(operator)}`);
    if (!Array.isArray(conditions)) throw invalidArguments('a FilterOperator needs conditions', 'filter');
    return { operator, conditions: conditions.map((c) => parseFilter(c, condition, depth + 1)!).filter((c) => c !== null) };
  }
  return { condition: condition(value) };
}

/** Evaluates a filter on an object in memory. */
export function matchesFilter<Condition, T>(filter: Filter<Condition> | null, item: T, test: (condition: Condition, item: T) => boolean): boolean {
  if (filter === null) return true;
  if ('condition' in filter) return test(filter.condition, item);
  if (filter.operator === 'AND') return filter.conditions.every((c) => matchesFilter(c, item, test));
  if (filter.operator === 'OR') return filter.conditions.some((c) => matchesFilter(c, item, test));
  return !filter.conditions.some((c) => matchesFilter(c, item, test));
}

export interface Comparator {
  property: string;
  isAscending: boolean;
  /** hasKeyword sorts name their keyword. */
  keyword?: string;
  collation?: string;
}

/** `sort` of a /query: an array of Comparators whose properties the type supports. */
export function parseSort(value: unknown, supported: readonly string[]): Comparator[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidArguments('sort must be an array', 'sort');
  return value.map((c: unknown) => {
    if (!isObject(c) || typeof c.property !== 'string') throw invalidArguments('a Comparator needs a property', 'sort');
    if (!supported.includes(c.property)) throw new MethodError('unsupportedSort', `cannot sort by ${c.property}`);
    if (c.isAscending !== undefined && typeof c.isAscending !== 'boolean') throw invalidArguments('isAscending must be a boolean', 'sort');
    if (c.keyword !== undefined && typeof c.keyword !== 'string') throw invalidArguments('keyword must be a string', 'sort');
    if (c.property === 'hasKeyword' && typeof c.keyword !== 'string') throw invalidArguments('hasKeyword needs a keyword', 'sort');
    return { property: c.property, isAscending: c.isAscending !== false, ...(typeof c.keyword === 'string' ? { keyword: c.keyword } : {}), ...(typeof c.collation === 'string' ? { collation: c.collation } : {}) };
  });
}
