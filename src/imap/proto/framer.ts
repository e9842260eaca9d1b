// Splits the client byte stream into whole commands (RFC 9051 §2.2, §4.3 literals; RFC 7888
// LITERAL+/LITERAL-; RFC 3516 literal8) without ever holding more than the configured limits.

export type FramerEvent =
  /** One whole command: its lines with literal data inline as received (`{3}\r\nabc`), without the final CRLF. */
  | { type: 'command'; bytes: Buffer }
  /** A synchronizing literal was accepted: the session must send `+ Ready for literal data`. */
  | { type: 'continue' }
  /** In lineMode: one line (IDLE's DONE, an AUTHENTICATE response), without its line end. */
  | { type: 'line'; text: string }
  /**
   * A command that cannot be accepted. Non-fatal: the rest of that command was discarded and the
   * session replies `tag NO [TOOBIG]` (or BAD without a code). Fatal: the client is already
   * sending bytes we will not read, so the session sends `* BYE` and closes.
   */
  | { type: 'error'; tag?: string; message: string; fatal: boolean; code?: 'TOOBIG' };

export interface FramerOptions {
  /** Longest line, literals excluded. RFC 7162 §4 asks for at least 8192; Roundcube needs 64 KiB. */
  maxLineBytes?: number;
  /** Largest literal (APPENDLIMIT, RFC 7889). */
  maxLiteralBytes: number;
  /** Largest non-synchronizing literal: 4096 when only LITERAL- is advertised (RFC 7888 §4). */
  maxNonSyncLiteral?: number;
  /** Largest command, its lines and literals together. */
  maxCommandBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const CRLF = Buffer.from('\r\n');

interface LiteralMarker {
  size: number;
  sync: boolean;
}

/** `{123}`, `{123+}`, `~{123}` or `~{123+}` at the end of a line. */
function literalMarker(line: Buffer): LiteralMarker | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return null;
  i--;
  const sync = line[i] !== 0x2b;
  if (!sync) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i] >= 0x30 && line[i] <= 0x39) i--;
  if (i < 0 || line[i] !== 0x7b || i + 1 === digitsEnd) return null;
  const digits = line.toString('latin1', i + 1, digitsEnd);
  // More digits than any limit can allow are just "too big"; Infinity keeps that comparison honest.
  return { size: digits.length > 15 ? Infinity : Number(digits), sync };
}

// RFC 9051 §9 tag: 1*<any ASTRING-CHAR except "+">.
function tagOf(start: Buffer): string | undefined {
  const space = start.indexOf(0x20);
  const candidate = (space < 0 ? start : start.subarray(0, space)).toString('latin1');
  return /^[!#$&'+,\-./0-9:;<=>?@A-Z[\]^_`a-z|}~]+$/.test(candidate) && !candidate.includes('+') ? candidate : undefined;
}

export class CommandFramer {
  /**
   * The session sets this while it waits for IDLE's DONE or an AUTHENTICATE response: each line
   * is then a `line` event, with no literal processing. Switch it between next() calls so that
   * bytes pipelined after DONE (iOS Mail does this) are framed in the new mode.
   */
  lineMode = false;

  private readonly maxLineBytes: number;
  private readonly maxLiteralBytes: number;
  private readonly maxNonSyncLiteral: number;
  private readonly maxCommandBytes: number;

  private input: Buffer = Buffer.alloc(0);
  private inputPos = 0;
  /** Finished pieces of the current command: lines with their CRLF, literal data. */
  private command: Buffer[] = [];
  private commandBytes = 0;
  /** The line being read, in pieces as they arrived. */
  private line: Buffer[] = [];
  private lineBytes = 0;
  private literalRemaining = 0;
  private dead = false;

  constructor(options: FramerOptions) {
    this.maxLineBytes = options.maxLineBytes ?? 65536;
    this.maxLiteralBytes = options.maxLiteralBytes;
    this.maxNonSyncLiteral = Math.min(options.maxNonSyncLiteral ?? options.maxLiteralBytes, options.maxLiteralBytes);
    this.maxCommandBytes = options.maxCommandBytes;
  }

  /** Feeds a chunk and returns every event it completes, in the current mode. */
  push(chunk: Buffer): FramerEvent[] {
    this.feed(chunk);
    const events: FramerEvent[] = [];
    for (let event = this.next(); event; event = this.next()) events.push(event);
    return events;
  }

  /** Queues a chunk for next(). Call next() until it returns null before feeding more. */
  feed(chunk: Buffer): void {
    if (this.dead) return;
    this.input = this.inputPos < this.input.length ? Buffer.concat([this.input.subarray(this.inputPos), chunk]) : chunk;
    this.inputPos = 0;
  }

  /** The next event from the bytes fed so far, or null when more bytes are needed. */
  next(): FramerEvent | null {
    while (!this.dead && this.inputPos < this.input.length) {
      if (this.literalRemaining > 0) {
        const take = Math.min(this.literalRemaining, this.input.length - this.inputPos);
        this.appendToCommand(this.input.subarray(this.inputPos, this.inputPos + take));
        this.inputPos += take;
        this.literalRemaining -= take;
        continue;
      }
      const lf = this.input.indexOf(LF, this.inputPos);
      const end = lf < 0 ? this.input.length : lf;
      // +1 leaves room for the CR of a CRLF split across chunks.
      if (this.lineBytes + (end - this.inputPos) > this.maxLineBytes + 1) {
        return this.fail('Line too long', undefined, this.line[0] ?? this.input.subarray(this.inputPos, end));
      }
      if (end > this.inputPos) {
        this.line.push(this.input.subarray(this.inputPos, end));
        this.lineBytes += end - this.inputPos;
      }
      this.inputPos = end;
      if (lf < 0) return null;
      this.inputPos = lf + 1;
      const event = this.endOfLine();
      if (event) return event;
    }
    return null;
  }

  private endOfLine(): FramerEvent | null {
    let line = this.line.length === 1 ? this.line[0] : Buffer.concat(this.line);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.line = [];
    this.lineBytes = 0;
    if (line.length > this.maxLineBytes) return this.fail('Line too long');
    if (this.lineMode) return { type: 'line', text: line.toString('utf8') };
    // Stray empty lines between commands (some clients send an extra CRLF after APPEND) are no command.
    if (line.length === 0 && this.command.length === 0) return null;
    if (this.commandBytes + line.length > this.maxCommandBytes) return this.fail('Command too long', 'TOOBIG');
    const marker = literalMarker(line);
    if (!marker) {
      this.appendToCommand(line);
      const bytes = Buffer.concat(this.command);
      this.resetCommand();
      return { type: 'command', bytes };
    }
    const total = this.commandBytes + line.length + CRLF.length + marker.size;
    if (marker.sync) {
      if (marker.size > this.maxLiteralBytes || total > this.maxCommandBytes) {
        // The client waits for our continuation before sending the literal, so nothing of it
        // will arrive: dropping what we have keeps the stream in step.
        const tag = tagOf(this.command[0] ?? line);
        this.resetCommand();
        const event: FramerEvent = { type: 'error', message: 'Literal too big', fatal: false, code: 'TOOBIG' };
        if (tag !== undefined) event.tag = tag;
        return event;
      }
    } else if (marker.size > this.maxNonSyncLiteral || total > this.maxCommandBytes) {
      return this.fail('Non-synchronizing literal too big', 'TOOBIG', line);
    }
    this.appendToCommand(line);
    this.appendToCommand(CRLF);
    this.literalRemaining = marker.size;
    return marker.sync ? { type: 'continue' } : null;
  }

  private appendToCommand(piece: Buffer): void {
    // Literal data arrives as views of the caller's chunks; copying keeps them from pinning
    // whole socket buffers and from changing if a caller reuses its buffer.
    this.command.push(Buffer.from(piece));
    this.commandBytes += piece.length;
  }

  private resetCommand(): void {
    this.command = [];
    this.commandBytes = 0;
  }

  private fail(message: string, code?: 'TOOBIG', line?: Buffer): FramerEvent {
    const start = this.command[0] ?? line ?? (this.line.length > 0 ? this.line[0] : undefined);
    const tag = start && !this.lineMode ? tagOf(start) : undefined;
    this.dead = true;
    this.input = Buffer.alloc(0);
    this.inputPos = 0;
    this.command = [];
    this.line = [];
    const event: FramerEvent = { type: 'error', message, fatal: true };
    if (tag !== undefined) event.tag = tag;
    if (code !== undefined) event.code = code;
    return event;
  }
}
