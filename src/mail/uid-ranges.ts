import { sql, type RawBuilder, type SqlBool } from 'kysely';

import type { UidRange } from './search-criteria.ts';

/** Sorted, de-duplicated UIDs folded into inclusive ranges: `1:*` over 100,000 entries is one range. */
export function toRanges(uids: readonly number[]): UidRange[] {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const ranges: UidRange[] = [];
  for (const uid of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.end + 1 === uid) last.end = uid;
    else ranges.push({ start: uid, end: uid });
  }
  return ranges;
}

export function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

// Kept well under SQLite's expression depth (1000) and both engines' parameter limits.
export const RANGES_PER_QUERY = 200;

/** `column` in the ranges, as bound parameters; callers pass at most RANGES_PER_QUERY ranges. */
export function uidInRanges(column: string, ranges: readonly UidRange[]): RawBuilder<SqlBool> {
  if (ranges.length === 0) return sql<SqlBool>`1 = 0`;
  const ref = sql.ref(column);
  const singles = ranges.filter((r) => r.start === r.end).map((r) => r.start);
  const spans = ranges.filter((r) => r.start !== r.end).map((r) => sql`${ref} between ${r.start} and ${r.end}`);
  const parts = singles.length > 0 ? [sql`${ref} in (${sql.join(singles)})`, ...spans] : spans;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** Runs `query` once per slice of the ranges and concatenates the results in order. */
export async function forRangeChunks<T>(column: string, uids: readonly number[], query: (condition: RawBuilder<SqlBool>) => Promise<T[]>): Promise<T[]> {
  const results: T[] = [];
  for (const slice of chunked(toRanges(uids), RANGES_PER_QUERY)) results.push(...(await query(uidInRanges(column, slice))));
  return results;
}

/** As forRangeChunks, for writes that return nothing. */
export async function eachRangeChunk(column: string, uids: readonly number[], run: (condition: RawBuilder<SqlBool>) => Promise<unknown>): Promise<void> {
  for (const slice of chunked(toRanges(uids), RANGES_PER_QUERY)) await run(uidInRanges(column, slice));
}
