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

/** Past this many ranges a read scans the span from the lowest to the highest UID instead. */
const FRAGMENTED = 8;

/**
 * Runs `query` once per slice of the ranges and concatenates the results in order. A read that
 * names its rows' UID (`uidOf`) and asks for a fragmented set (`1:*` after some expunges) scans
 * the one span instead and drops the rows not asked for: an indexed range scan and a set lookup
 * cost far less than SQLite's evaluation of hundreds of OR terms per row.
 */
export async function forRangeChunks<T>(
  column: string,
  uids: readonly number[],
  query: (condition: RawBuilder<SqlBool>) => Promise<T[]>,
  uidOf?: (row: T) => number,
): Promise<T[]> {
  const ranges = toRanges(uids);
  if (uidOf && ranges.length > FRAGMENTED) {
    const wanted = new Set(uids);
    const rows = await query(uidInRanges(column, [{ start: ranges[0].start, end: ranges[ranges.length - 1].end }]));
    return rows.filter((row) => wanted.has(uidOf(row)));
  }
  const results: T[] = [];
  for (const slice of chunked(ranges, RANGES_PER_QUERY)) results.push(...(await query(uidInRanges(column, slice))));
  return results;
}

/** As forRangeChunks, for writes that return nothing. */
export async function eachRangeChunk(column: string, uids: readonly number[], run: (condition: RawBuilder<SqlBool>) => Promise<unknown>): Promise<void> {
  for (const slice of chunked(toRanges(uids), RANGES_PER_QUERY)) await run(uidInRanges(column, slice));
}
