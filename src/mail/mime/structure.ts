// The MIME tree of a message (RFC 2045, RFC 2046 §5) found in one pass over the bytes.
//
// Like Dovecot's message parser this is a stream, not a recursive split: a stack of open parts,
// and every line starting with "--" is checked against the boundaries of all open multiparts.
// A boundary of an outer multipart closes whatever is open inside it, so a missing close
// delimiter costs nothing, and input ends every part still open. Bodies are skipped with
// Buffer.indexOf("\n--"), so a large base64 attachment is never looked at byte by byte in JS.
import type { BodyPart, HeaderField } from './types.ts';
import { headerText, readHeaderBlock, type RawHeaderField } from './header-parser.ts';
import { readPartFields } from './part-fields.ts';
import { buildEnvelopes } from './envelope.ts';

/** Deeper multiparts and encapsulated messages are kept as opaque leaves (no stack overflow later). */
export const MAX_DEPTH = 100;
/** After this many parts every further boundary is ignored: the rest is opaque body. */
export const MAX_PARTS = 20_000;

/**
 * Bytes of a boundary that are compared. RFC 2046 §5.1.1 allows 70 (`0*69<bchars>
 * bcharsnospace`); Dovecot keeps 80 of a longer one, and so do we, so that the same mail splits
 * into the same parts (and IMAP part numbers) as it did there. No valid boundary is affected.
 */
const MAX_BOUNDARY = 80;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const LINE_DASHES = Buffer.from('\n--', 'latin1');
const EMPTY_LINE_LF = Buffer.from('\n\n', 'latin1');
const EMPTY_LINE_CRLF = Buffer.from('\n\r\n', 'latin1');

// Only these leave the encapsulated message readable in place; RFC 2046 §5.2.1 forbids others.
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

interface Frame {
  part: BodyPart;
  depth: number;
  /** The boundary while this multipart still expects delimiter lines; null once closed. */
  boundary: Buffer | null;
  /** RFC 2046 §5.1.5: parts of multipart/digest default to message/rfc822. */
  childType: string;
  /** A message/rfc822 or message/global part kept opaque because it is encoded. */
  encodedMessage: boolean;
}

interface BoundaryLine {
  frameIndex: number;
  /** Offset of the "--" that starts the line. */
  start: number;
  /** RFC 2046 §5.1.1 close-delimiter: the boundary followed by "--". */
  close: boolean;
  /** Offset of the line after it. */
  next: number;
}

interface OpenedPart {
  part: BodyPart;
  fields: RawHeaderField[];
  /** Where scanning continues: the body start, or the boundary line that cut the header short. */
  scanFrom: number;
}

export interface MessageStructure {
  body: BodyPart;
  fields: RawHeaderField[];
}

export function parseStructure(raw: Buffer): MessageStructure {
  return new StructureParser(raw).run();
}

export function toHeaderFields(fields: RawHeaderField[]): HeaderField[] {
  return fields.map((field) => ({ name: field.name, value: headerText(field) }));
}

class StructureParser {
  private readonly stack: Frame[] = [];
  private partCount = 0;
  /** How many open multiparts still expect boundary lines; none means the rest is all body. */
  private openBoundaries = 0;
  /** Line feeds in each finished part, header and body; summed upwards so no byte is counted twice. */
  private readonly lineFeeds = new Map<BodyPart, number>();

  constructor(private readonly raw: Buffer) {}

  run(): MessageStructure {
    const root = this.openPart(0, 'text/plain', 0);
    let pos = root.scanFrom;
    for (;;) {
      const line = this.nextBoundaryLine(pos);
      if (!line) break;
      this.closeFramesAbove(line.frameIndex, lineBreakBefore(this.raw, line.start));
      const owner = this.stack[line.frameIndex];
      pos = line.next;
      if (line.close) {
        // What follows is the epilogue, which belongs to the multipart but is no part of it.
        owner.boundary = null;
        this.openBoundaries--;
        continue;
      }
      if (this.partCount >= MAX_PARTS) break;
      const child = this.openPart(pos, owner.childType, owner.depth + 1);
      owner.part.parts.push(child.part);
      pos = child.scanFrom;
    }
    this.closeFramesAbove(-1, this.raw.length);
    return { body: root.part, fields: root.fields };
  }

  private openPart(headerStart: number, defaultType: string, depth: number): OpenedPart {
    this.partCount++;
    const block = readHeaderBlock(this.raw, headerStart, (p) => this.matchBoundary(p) !== null);
    const fields = readPartFields(block.fields, defaultType);
    // A header cut short by a boundary line keeps its last line break (a header line ends with
    // one, RFC 5322 §2.2) and the body is empty; the boundary line then has no line break
    // before it. Dovecot reads it so, which shows in the size and lines of a message/rfc822
    // part whose encapsulated header runs into the boundary.
    const bodyStart = block.bodyStart;
    const part: BodyPart = {
      headerStart,
      bodyStart,
      end: bodyStart,
      type: fields.type,
      subtype: fields.subtype,
      params: fields.params,
      rawParams: fields.rawParams,
      id: fields.id,
      description: fields.description,
      encoding: fields.encoding,
      size: 0,
      lines: 0,
      md5: fields.md5,
      disposition: fields.disposition,
      language: fields.language,
      location: fields.location,
      parts: [],
    };
    const canNest = depth < MAX_DEPTH && this.partCount < MAX_PARTS && !block.cutByBoundary;
    const isMessage = part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global');
    const frame: Frame = { part, depth, boundary: null, childType: 'text/plain', encodedMessage: isMessage && !IDENTITY_ENCODINGS.has(part.encoding) };
    if (canNest && fields.boundary) {
      // Boundaries that differ only after MAX_BOUNDARY bytes are the same one, and the
      // innermost takes their delimiter lines (matchBoundary).
      frame.boundary = fields.boundary.subarray(0, MAX_BOUNDARY);
      this.openBoundaries++;
      if (part.subtype === 'digest') frame.childType = 'message/rfc822';
    }
    this.stack.push(frame);
    if (canNest && isMessage && !frame.encodedMessage) {
      // The encapsulated message starts where this part's body starts and ends with it.
      const inner = this.openPart(bodyStart, 'text/plain', depth + 1);
      part.message = { headers: toHeaderFields(inner.fields), ...buildEnvelopes(inner.fields), body: inner.part };
      return { part, fields: block.fields, scanFrom: inner.scanFrom };
    }
    return { part, fields: block.fields, scanFrom: block.bodyStart };
  }

  /** The next line at or after the line start `pos` that is a boundary of an open multipart. */
  private nextBoundaryLine(pos: number): BoundaryLine | null {
    const raw = this.raw;
    let p = pos;
    while (p < raw.length && this.openBoundaries > 0) {
      let start = p;
      if (raw[p] !== DASH || raw[p + 1] !== DASH) {
        const found = raw.indexOf(LINE_DASHES, p);
        if (found < 0) return null;
        start = found + 1;
      }
      const line = this.matchBoundary(start);
      if (line) return line;
      const nl = raw.indexOf(LF, start);
      if (nl < 0) return null;
      p = nl + 1;
    }
    return null;
  }

  /**
   * RFC 2046 §5.1.1: a boundary only has to start the line. When several open boundaries
   * match, the longest wins (boundary "a" must not end a part whose boundary is "ab"), and
   * of equal ones the innermost: Dovecot's rule, which copes with reused boundaries.
   */
  private matchBoundary(start: number): BoundaryLine | null {
    const raw = this.raw;
    let best = -1;
    let bestLength = -1;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const boundary = this.stack[i].boundary;
      if (boundary === null || boundary.length <= bestLength) continue;
      const from = start + 2;
      if (from + boundary.length > raw.length) continue;
      if (raw.compare(boundary, 0, boundary.length, from, from + boundary.length) === 0) {
        best = i;
        bestLength = boundary.length;
      }
    }
    if (best < 0) return null;
    const after = start + 2 + bestLength;
    const nl = raw.indexOf(LF, after);
    return {
      frameIndex: best,
      start,
      close: raw[after] === DASH && raw[after + 1] === DASH,
      next: nl < 0 ? raw.length : nl + 1,
    };
  }

  /** Finish every part opened inside stack[index], innermost first, ending at `end`. */
  private closeFramesAbove(index: number, end: number): void {
    let partEnd = end;
    while (this.stack.length - 1 > index) {
      const frame = this.stack.pop() as Frame;
      if (frame.boundary !== null) this.openBoundaries--;
      this.finishPart(frame.part, frame.encodedMessage ? this.encodedMessageEnd(frame.part, partEnd) : partEnd);
      // A child whose header used up the line break before the boundary ends one byte later
      // than requested; its parent must still contain it.
      partEnd = Math.max(partEnd, frame.part.end);
    }
  }

  /**
   * Where an encoded message/rfc822 part ends when a boundary line break starts at `end`.
   * Dovecot reads such a part as a message whatever its encoding, so when no empty line ends
   * that "header" before the boundary, the header keeps the line break before the boundary,
   * as an identity-encoded message's would (openPart): the part's size and lines include it.
   */
  private encodedMessageEnd(part: BodyPart, end: number): number {
    const raw = this.raw;
    const lineStart = raw[end] === CR && raw[end + 1] === LF ? end + 2 : raw[end] === LF ? end + 1 : end;
    if (lineStart === end || end < part.bodyStart) return end;
    const body = raw.subarray(part.bodyStart, lineStart);
    let emptyLine: number;
    if (body[0] === LF || (body[0] === CR && body[1] === LF)) emptyLine = 0;
    else {
      const lf = body.indexOf(EMPTY_LINE_LF);
      const crlf = body.indexOf(EMPTY_LINE_CRLF);
      const found = lf < 0 ? crlf : crlf < 0 ? lf : Math.min(lf, crlf);
      emptyLine = found < 0 ? -1 : found + 1;
    }
    if (emptyLine < 0) return lineStart;
    const emptyLineEnd = emptyLine + (body[emptyLine] === CR ? 2 : 1);
    return part.bodyStart + emptyLineEnd === lineStart ? lineStart : end;
  }

  private finishPart(part: BodyPart, end: number): void {
    part.end = Math.max(part.bodyStart, end);
    part.size = part.end - part.bodyStart;
    let bodyLineFeeds: number;
    if (part.message) bodyLineFeeds = this.lineFeeds.get(part.message.body) ?? 0;
    else if (part.parts.length > 0) {
      bodyLineFeeds = 0;
      let cursor = part.bodyStart;
      for (const child of part.parts) {
        bodyLineFeeds += countLineFeeds(this.raw, cursor, child.headerStart) + (this.lineFeeds.get(child) ?? 0);
        cursor = child.end;
      }
      bodyLineFeeds += countLineFeeds(this.raw, cursor, part.end);
    } else bodyLineFeeds = countLineFeeds(this.raw, part.bodyStart, part.end);
    part.lines = bodyLineFeeds;
    this.lineFeeds.set(part, countLineFeeds(this.raw, part.headerStart, part.bodyStart) + bodyLineFeeds);
  }
}

/** Where the line break ending the line before `lineStart` begins (CRLF or bare LF). */
function lineBreakBefore(raw: Buffer, lineStart: number): number {
  if (lineStart > 0 && raw[lineStart - 1] === LF) return lineStart > 1 && raw[lineStart - 2] === CR ? lineStart - 2 : lineStart - 1;
  return lineStart;
}

function countLineFeeds(raw: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  // A view bounds the search, so a short range never makes indexOf run on to the end.
  const range = raw.subarray(start, end);
  let count = 0;
  for (let i = range.indexOf(LF); i >= 0; i = range.indexOf(LF, i + 1)) count++;
  return count;
}
