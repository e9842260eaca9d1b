// Reading the RFC 9051 §9 grammar's basic tokens from one framed command.
import { isUtf8 } from 'node:buffer';
import type { SequenceSet } from './types.ts';
import { parseSequenceSet } from './sequence-set.ts';
import { decodeMailboxName } from './mailbox-name.ts';

/** Thrown inside the parser only; parseCommand turns it into a ParseFailure. */
export class ImapSyntaxError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function isAtomChar(b: number): boolean {
  // ATOM-CHAR: any CHAR except atom-specials `(){ %*"\]` and CTL (RFC 9051 §9).
  if (b <= 0x20 || b >= 0x7f) return false;
  return b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x25 && b !== 0x2a && b !== 0x22 && b !== 0x5c && b !== 0x5d;
}

export function isAstringChar(b: number): boolean {
  return isAtomChar(b) || b === 0x5d;
}

const SEQUENCE_SET_CHARS = new Set([...'0123456789:,*$'].map((c) => c.charCodeAt(0)));

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;

export class Reader {
  pos = 0;

  constructor(
    readonly buf: Buffer,
    readonly utf8Accept: boolean,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(offset = 0): number {
    return this.pos + offset < this.buf.length ? this.buf[this.pos + offset] : -1;
  }

  /** Case-insensitive look-ahead for a keyword followed by a delimiter. */
  peekWord(word: string): boolean {
    const end = this.pos + word.length;
    if (end > this.buf.length) return false;
    if (this.buf.toString('latin1', this.pos, end).toUpperCase() !== word) return false;
    const after = end < this.buf.length ? this.buf[end] : -1;
    return after === -1 || after === SP || after === RPAREN || after === LPAREN || after === 0x5b;
  }

  fail(message: string, code?: string): never {
    throw new ImapSyntaxError(message, code);
  }

  expectEnd(what = 'command'): void {
    // Trailing spaces carry no meaning; some clients leave one after the last argument.
    while (this.peek() === SP) this.pos++;
    if (!this.atEnd()) this.fail(`Unexpected characters at the end of the ${what}: ${this.excerpt()}`);
  }

  excerpt(): string {
    const text = this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + 30)).replace(/[^\x20-\x7e]/g, '?');
    return text === '' ? 'end of line' : `"${text}"`;
  }

  /**
   * One SP. Extra spaces are tolerated: clients that build commands by joining optional parts
   * occasionally double them, and nothing in the grammar depends on their count.
   */
  sp(what?: string): void {
    if (this.peek() !== SP) this.fail(what ? `Missing ${what}` : `Expected a space before ${this.excerpt()}`);
    while (this.peek() === SP) this.pos++;
  }

  /** Consumes SP when more follows; false at the end of the command. */
  more(): boolean {
    if (this.atEnd()) return false;
    this.sp();
    return !this.atEnd();
  }

  expectChar(code: number, what: string): void {
    if (this.peek() !== code) this.fail(`Expected ${what} before ${this.excerpt()}`);
    this.pos++;
  }

  tryChar(code: number): boolean {
    if (this.peek() !== code) return false;
    this.pos++;
    return true;
  }

  /** Bytes while `test` holds; 8-bit bytes are allowed only with UTF8=ACCEPT (RFC 6855 §3). */
  private run(test: (b: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.buf.length && (test(this.buf[this.pos]) || (this.utf8Accept && this.buf[this.pos] >= 0x80))) this.pos++;
    return this.buf.toString(this.utf8Accept ? 'utf8' : 'latin1', start, this.pos);
  }

  atom(what = 'atom'): string {
    const value = this.run(isAtomChar);
    if (value === '') this.fail(`Missing ${what}`);
    return value;
  }

  /** `list-char` run: an atom that may also hold `]`, `%` and `*` (LIST patterns). */
  private listChars(): string {
    return this.run((b) => isAstringChar(b) || b === 0x25 || b === 0x2a);
  }

  number(what = 'number'): number {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    const text = this.buf.toString('latin1', start, this.pos);
    if (text === '' || text.length > 20) this.fail(`Invalid ${what}`);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) this.fail(`Invalid ${what}`);
    return value;
  }

  /**
   * mod-sequence-value (RFC 7162 §7): up to 2^63-1. Values past 2^53 lose precision; ours never
   * get there, and a client's stale value from another server only needs to compare as large.
   */
  modSequence(what = 'mod-sequence'): number {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    const text = this.buf.toString('latin1', start, this.pos);
    if (text === '' || text.length > 19 || BigInt(text) > 0x7fffffffffffffffn) this.fail(`Invalid ${what}`);
    return Number(text);
  }

  nzNumber(what = 'number'): number {
    const value = this.number(what);
    if (value === 0) this.fail(`Invalid ${what}: must not be 0`);
    return value;
  }

  /** number or nz-number within 32 bits (UIDVALIDITY, UIDs, LARGER). */
  number32(what = 'number'): number {
    const value = this.number(what);
    if (value > 0xffffffff) this.fail(`Invalid ${what}`);
    return value;
  }

  /** `"..."` with `\"` and `\\`; undefined when not at a quote. */
  private quoted(): Buffer | undefined {
    if (this.peek() !== DQUOTE) return undefined;
    this.pos++;
    const bytes: number[] = [];
    for (;;) {
      const b = this.peek();
      if (b === -1 || b === 0x0d || b === 0x0a || b === 0) this.fail('Unterminated quoted string');
      this.pos++;
      if (b === DQUOTE) break;
      if (b === BACKSLASH) {
        const next = this.peek();
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('Invalid escape in quoted string (only \\" and \\\\ are allowed)');
        bytes.push(next);
        this.pos++;
        continue;
      }
      bytes.push(b);
    }
    return Buffer.from(bytes);
  }

  /** `{n}CRLF data`, `{n+}`, and with `binary` also `~{n}` (RFC 3516 literal8). */
  private literal(binaryAllowed: boolean): { data: Buffer; binary: boolean } | undefined {
    let p = this.pos;
    const binary = this.buf[p] === 0x7e;
    if (binary) p++;
    if (this.buf[p] !== 0x7b) return undefined;
    if (binary && !binaryAllowed) this.fail('A binary literal (~{n}) is only allowed in APPEND');
    p++;
    const start = p;
    while (this.buf[p] >= 0x30 && this.buf[p] <= 0x39) p++;
    const digits = this.buf.toString('latin1', start, p);
    if (digits === '' || digits.length > 15) this.fail('Invalid literal');
    if (this.buf[p] === 0x2b) p++;
    if (this.buf[p] !== 0x7d) this.fail('Invalid literal');
    p++;
    if (this.buf[p] === 0x0d) p++;
    if (this.buf[p] !== 0x0a) this.fail('A literal must be followed by a line end');
    p++;
    const size = Number(digits);
    if (p + size > this.buf.length) this.fail('Literal shorter than announced');
    const data = this.buf.subarray(p, p + size);
    // RFC 9051 §4.3: NUL is only allowed in literal8.
    if (!binary && data.includes(0)) this.fail('NUL in a literal (use ~{n} for binary data)');
    this.pos = p + size;
    return { data, binary };
  }

  /** string = quoted / literal, as bytes. */
  stringBytes(what = 'string'): Buffer {
    const q = this.quoted();
    if (q) return q;
    const lit = this.literal(false);
    if (lit) return lit.data;
    return this.fail(`Missing ${what}`);
  }

  /** astring = 1*ASTRING-CHAR / string, as bytes. */
  astringBytes(what = 'string'): Buffer {
    const b = this.peek();
    if (b === DQUOTE || b === 0x7b || (b === 0x7e && this.peek(1) === 0x7b)) return this.stringBytes(what);
    const start = this.pos;
    this.run(isAstringChar);
    if (this.pos === start) this.fail(`Missing ${what}`);
    return this.buf.subarray(start, this.pos);
  }

  astring(what = 'string'): string {
    return this.text(this.astringBytes(what));
  }

  string(what = 'string'): string {
    return this.text(this.stringBytes(what));
  }

  /** nstring: NIL or a string. */
  nstring(what = 'string'): string | null {
    if (this.peekWord('NIL')) {
      this.pos += 3;
      return null;
    }
    return this.string(what);
  }

  /**
   * Strings are UTF-8. Without UTF8=ACCEPT only ASCII is legal in quoted strings, but clients
   * put UTF-8 in them anyway, and reading it as UTF-8 is what they mean; invalid UTF-8 is read
   * as Latin-1 rather than rejected, since passwords and search text can be in legacy charsets.
   */
  text(bytes: Buffer): string {
    return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
  }

  /** A literal or literal8 for APPEND. */
  appendData(): { data: Buffer; binary: boolean } {
    const lit = this.literal(true);
    if (!lit) this.fail('Missing message literal');
    return lit;
  }

  /** mailbox = "INBOX" / astring, decoded from modified UTF-7 unless UTF8=ACCEPT. */
  mailbox(what = 'mailbox name'): string {
    return this.decodeName(this.astringBytes(what), what);
  }

  /** list-mailbox = 1*list-char / string (a LIST/LSUB pattern, may hold `%` and `*`). */
  listMailbox(): string {
    const b = this.peek();
    const bytes = b === DQUOTE || b === 0x7b ? this.stringBytes('mailbox pattern') : Buffer.from(this.listChars(), this.utf8Accept ? 'utf8' : 'latin1');
    if (bytes.length === 0 && b !== DQUOTE && b !== 0x7b) this.fail('Missing mailbox pattern');
    // Patterns are matched against decoded names, so they are decoded too; a pattern that is
    // not valid modified UTF-7 is kept as written and simply matches nothing unusual.
    const raw = this.text(bytes);
    return decodeMailboxName(raw, this.utf8Accept) ?? raw;
  }

  /** The reference of LIST/LSUB: a mailbox name that may be empty. */
  reference(): string {
    const raw = this.text(this.astringBytes('reference name'));
    return decodeMailboxName(raw, this.utf8Accept) ?? raw;
  }

  private decodeName(bytes: Buffer, what: string): string {
    const raw = this.text(bytes);
    if (raw.toUpperCase() === 'INBOX') return 'INBOX';
    const name = decodeMailboxName(raw, this.utf8Accept);
    // A well-formed command naming a mailbox that cannot exist: NO, as for any missing mailbox, not BAD.
    if (name === null) this.fail(`Invalid ${what}: not valid modified UTF-7 (RFC 3501 §5.1.3)`, 'CANNOT');
    if (name === '') this.fail(`Empty ${what}`);
    return name;
  }

  /** A sequence set (`1:4,7,9:*`) or `$`. */
  sequenceSet(): SequenceSet {
    const start = this.pos;
    while (this.pos < this.buf.length && SEQUENCE_SET_CHARS.has(this.buf[this.pos])) this.pos++;
    const text = this.buf.toString('latin1', start, this.pos);
    if (text === '') this.fail('Missing sequence set');
    const set = parseSequenceSet(text);
    if (!set) this.fail(`Invalid sequence set ${text}`);
    return set;
  }

  /** `(` item *(SP item) `)`; `allowEmpty` for lists like `()` in flag lists. */
  list<T>(item: () => T, allowEmpty: boolean, what: string): T[] {
    this.expectChar(LPAREN, `"(" to start the ${what}`);
    const items: T[] = [];
    while (this.peek() === SP) this.pos++;
    if (this.tryChar(RPAREN)) {
      if (!allowEmpty) this.fail(`Empty ${what}`);
      return items;
    }
    for (;;) {
      items.push(item());
      while (this.peek() === SP) this.pos++;
      if (this.tryChar(RPAREN)) return items;
      if (this.atEnd()) this.fail(`Unterminated ${what}: missing ")"`);
      if (items.length > 0 && this.buf[this.pos - 1] !== SP) this.fail(`Expected a space or ")" in the ${what} before ${this.excerpt()}`);
    }
  }

  /** flag = "\" atom / keyword (RFC 9051 §9). */
  flag(): string {
    const backslash = this.tryChar(BACKSLASH);
    const name = this.atom('flag name');
    if (!backslash) return name;
    const system = SYSTEM_FLAG_CASE.get(name.toLowerCase());
    return system ?? `\\${name}`;
  }

  flagList(): string[] {
    return this.list(() => this.flag(), true, 'flag list');
  }
}

// System flags compare case-insensitively (RFC 9051 §2.3.2); the canonical case keeps replies tidy.
const SYSTEM_FLAG_CASE = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'].map((f) => [f.slice(1).toLowerCase(), f]));
