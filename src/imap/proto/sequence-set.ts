// Sequence sets (RFC 9051 §9 `sequence-set`): parsing, resolving `*` against a mailbox, and the
// compact form used in UIDPLUS and ESEARCH replies.
import type { UidRange } from '../../mail/search-criteria.ts';
import type { SeqNumber, SeqRange, SequenceSet } from './types.ts';

const MAX_NUMBER = 0xffffffff;

function parseSeqNumber(text: string): SeqNumber | null {
  if (text === '*') return '*';
  // nz-number: no leading zero, and within 32 bits (RFC 9051 §9 `nz-number`).
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const value = Number(text);
  return value <= MAX_NUMBER ? value : null;
}

/** `1:4,7,9:*` or `$`; null when the text is not a sequence set. */
export function parseSequenceSet(text: string): SequenceSet | null {
  if (text === '$') return { kind: 'saved' };
  if (text === '') return null;
  const ranges: SeqRange[] = [];
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    if (colon < 0) {
      const value = parseSeqNumber(item);
      if (value === null) return null;
      ranges.push({ start: value, end: value });
    } else {
      const start = parseSeqNumber(item.slice(0, colon));
      const end = parseSeqNumber(item.slice(colon + 1));
      if (start === null || end === null) return null;
      ranges.push({ start, end });
    }
  }
  return { kind: 'set', ranges };
}

/**
 * Concrete, sorted, merged ranges with `*` replaced by `max` (the message count, or the highest
 * UID). RFC 9051 §6.4.8: `n:*` also covers `max` when n > max, so a range's ends are ordered
 * after substitution. With an empty mailbox (max 0) `*` matches nothing.
 */
export function resolveSequenceSet(set: { ranges: readonly SeqRange[] }, max: number): UidRange[] {
  const resolved: UidRange[] = [];
  for (const range of set.ranges) {
    if (max === 0 && (range.start === '*' || range.end === '*')) continue;
    const a = range.start === '*' ? max : range.start;
    const b = range.end === '*' ? max : range.end;
    resolved.push({ start: Math.min(a, b), end: Math.max(a, b) });
  }
  return mergeRanges(resolved);
}

export function mergeRanges(ranges: readonly UidRange[]): UidRange[] {
  const sorted = [...ranges].sort((x, y) => x.start - y.start);
  const merged: UidRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/** True when every number in the set is within 1..max (RFC 9051: a message sequence number beyond EXISTS is an error). */
export function sequenceSetWithin(set: { ranges: readonly SeqRange[] }, max: number): boolean {
  return set.ranges.every((r) => (r.start === '*' || r.start <= max) && (r.end === '*' || r.end <= max));
}

export function rangesContain(ranges: readonly UidRange[], value: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (value < ranges[mid].start) hi = mid - 1;
    else if (value > ranges[mid].end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** `1:3,5` from UIDs in any order; duplicates are dropped. Used for COPYUID/APPENDUID and ESEARCH ALL. */
export function formatUidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  return formatRanges(mergeRanges(sorted.map((uid) => ({ start: uid, end: uid }))));
}

export function formatRanges(ranges: readonly UidRange[]): string {
  return ranges.map((r) => (r.start === r.end ? String(r.start) : `${r.start}:${r.end}`)).join(',');
}

/**
 * Like formatUidSet but keeps the given order, as COPYUID needs: its source and destination
 * sets must pair up element by element (RFC 4315 §3), so runs are only merged when consecutive.
 */
export function formatOrderedSet(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(i === j ? String(values[i]) : `${values[i]}:${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function formatSequenceSet(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((r) => (r.start === r.end ? String(r.start) : `${r.start}:${r.end}`)).join(',');
}
