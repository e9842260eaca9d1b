// Reading one header block (RFC 5322 §2.2, RFC 2045 §3) straight off the message bytes.
import { bytesToText } from './charset.ts';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const DASH = 0x2d;

export interface RawHeaderField {
  name: string;
  /** Lower-cased name, for look-ups. */
  key: string;
  /** The bytes after the colon, folding kept, final line break excluded (a view into the message). */
  bytes: Buffer;
}

export interface HeaderBlock {
  fields: RawHeaderField[];
  /** Where the body starts: after the blank line, or where the header was cut short. */
  bodyStart: number;
  /** True when an enclosing multipart's boundary line ended the header before any blank line. */
  cutByBoundary: boolean;
}

/**
 * Read header fields from `start` to the first empty line. Lines that begin with "--" are
 * offered to `isBoundary` first: a truncated part header must not swallow the next part
 * (Dovecot's message parser behaves the same). A header without an empty line runs to the end.
 */
export function readHeaderBlock(raw: Buffer, start: number, isBoundary: (lineStart: number) => boolean): HeaderBlock {
  const fields: RawHeaderField[] = [];
  const len = raw.length;
  let fieldStart = -1;
  let fieldEnd = -1;
  let p = start;
  while (p < len) {
    if (raw[p] === DASH && raw[p + 1] === DASH && isBoundary(p)) {
      pushField(fields, raw, fieldStart, fieldEnd);
      return { fields, bodyStart: p, cutByBoundary: true };
    }
    const nl = raw.indexOf(LF, p);
    const lineEnd = nl < 0 ? len : nl + 1;
    let contentEnd = nl < 0 ? len : nl;
    if (contentEnd > p && raw[contentEnd - 1] === CR) contentEnd--;
    if (contentEnd === p) {
      pushField(fields, raw, fieldStart, fieldEnd);
      return { fields, bodyStart: lineEnd, cutByBoundary: false };
    }
    if (raw[p] === SP || raw[p] === TAB) {
      // A continuation line (RFC 5322 §2.2.3); one before any field has nothing to continue.
      if (fieldStart >= 0) fieldEnd = contentEnd;
    } else {
      pushField(fields, raw, fieldStart, fieldEnd);
      fieldStart = p;
      fieldEnd = contentEnd;
    }
    p = lineEnd;
  }
  pushField(fields, raw, fieldStart, fieldEnd);
  return { fields, bodyStart: len, cutByBoundary: false };
}

// A module function rather than a closure over the loop's state: tsx names every closure it
// creates (a defineProperty call), which cost more than the rest of this on a short header.
function pushField(fields: RawHeaderField[], raw: Buffer, start: number, end: number): void {
  if (start < 0) return;
  const field = toField(raw, start, end);
  if (field) fields.push(field);
}

// A line without a colon is not a field (an mbox "From " line, or garbage); it is skipped.
function toField(raw: Buffer, start: number, end: number): RawHeaderField | null {
  const colon = raw.indexOf(COLON, start);
  if (colon < 0 || colon >= end) return null;
  let nameEnd = colon;
  // RFC 5322 §4.5.2 obsolete syntax allows white space before the colon.
  while (nameEnd > start && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === TAB)) nameEnd--;
  if (nameEnd === start) return null;
  const name = raw.toString('latin1', start, nameEnd);
  return { name, key: name.toLowerCase(), bytes: raw.subarray(colon + 1, end) };
}

export function headerText(field: RawHeaderField): string {
  return bytesToText(field.bytes);
}

/** The first field with this (lower-case) name, as text; RFC 5322 allows most fields once. */
export function firstHeader(fields: RawHeaderField[], key: string): string | null {
  for (const field of fields) if (field.key === key) return headerText(field);
  return null;
}

/** The first field with this (lower-case) name as Latin-1, one character per byte. */
export function firstHeaderBytes(fields: RawHeaderField[], key: string): string | null {
  for (const field of fields) if (field.key === key) return field.bytes.toString('latin1');
  return null;
}
