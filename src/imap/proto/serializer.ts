// Typed response values → bytes (RFC 9051 §4 data formats). The session builds ImapValue trees
// and never concatenates wire text itself, so quoting and literals are decided in one place.
import { isUtf8 } from 'node:buffer';
import type { FetchAttribute, Partial, Section } from './types.ts';
import { encodeMailboxName } from './mailbox-name.ts';

export type ImapValue =
  /** An atom, emitted as is. */
  | string
  | number
  /** NIL */
  | null
  | { quoted: string }
  | { literal: Buffer; binary?: boolean }
  /** Quoted or literal, whichever the content allows. */
  | { string: string | Buffer }
  /** Already serialised text, e.g. a flag list fragment. */
  | { raw: string }
  /** Values written back to back without separators (the bodies of a multipart BODYSTRUCTURE). */
  | { adjacent: ImapValue[] }
  | ImapValue[];

export interface SerializeOptions {
  /** UTF8=ACCEPT enabled (RFC 6855 §3): 8-bit UTF-8 may go in quoted strings. */
  utf8: boolean;
}

// Longer strings go as literals: quoting costs a scan for escapes and clients handle literals
// of any size, while some cap their line buffers.
const MAX_QUOTED = 1024;

const CRLF = Buffer.from('\r\n');

class Writer {
  private chunks: Buffer[] = [];
  private text = '';

  write(s: string): void {
    this.text += s;
  }

  writeBytes(b: Buffer): void {
    this.flushText();
    this.chunks.push(b);
  }

  finish(): Buffer {
    this.flushText();
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }

  private flushText(): void {
    if (this.text === '') return;
    this.chunks.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
  }
}

function quotable(bytes: Buffer, utf8: boolean): boolean {
  if (bytes.length > MAX_QUOTED) return false;
  let eightBit = false;
  for (const b of bytes) {
    if (b === 0 || b === 0x0d || b === 0x0a) return false;
    if (b >= 0x80) eightBit = true;
  }
  return !eightBit || (utf8 && isUtf8(bytes));
}

function writeQuoted(w: Writer, s: string): void {
  w.write('"' + s.replace(/[\\"]/g, '\\$&') + '"');
}

function writeLiteral(w: Writer, data: Buffer, binary: boolean): void {
  w.write(`${binary ? '~' : ''}{${data.length}}\r\n`);
  w.writeBytes(data);
}

function writeValue(w: Writer, value: ImapValue, utf8: boolean): void {
  if (value === null) w.write('NIL');
  else if (typeof value === 'string') w.write(value);
  else if (typeof value === 'number') w.write(String(value));
  else if (Array.isArray(value)) {
    w.write('(');
    value.forEach((item, i) => {
      if (i > 0) w.write(' ');
      writeValue(w, item, utf8);
    });
    w.write(')');
  } else if ('quoted' in value) writeQuoted(w, value.quoted);
  else if ('literal' in value) writeLiteral(w, value.literal, value.binary === true);
  else if ('raw' in value) w.write(value.raw);
  else if ('adjacent' in value) for (const item of value.adjacent) writeValue(w, item, utf8);
  else {
    const bytes = typeof value.string === 'string' ? Buffer.from(value.string, 'utf8') : value.string;
    if (quotable(bytes, utf8)) writeQuoted(w, bytes.toString('utf8'));
    else writeLiteral(w, bytes, false);
  }
}

/** Values separated by single spaces, no line end. */
export function serializeValues(values: readonly ImapValue[], options?: SerializeOptions): Buffer {
  const w = new Writer();
  values.forEach((value, i) => {
    if (i > 0) w.write(' ');
    writeValue(w, value, options?.utf8 ?? false);
  });
  return w.finish();
}

/** `* values\r\n` */
export function untagged(values: readonly ImapValue[], options?: SerializeOptions): Buffer {
  return Buffer.concat([Buffer.from('* '), serializeValues(values, options), CRLF]);
}

/** `tag OK [code] text\r\n`; the code is written as given, e.g. `APPENDUID 38505 3955`. */
export function tagged(tag: string, status: 'OK' | 'NO' | 'BAD', text: string, code?: string): Buffer {
  return Buffer.from(`${tag} ${status} ${code ? `[${code}] ` : ''}${safeText(text)}\r\n`, 'utf8');
}

/** `* OK [code] text\r\n` and friends (untagged status responses, BYE, PREAUTH). */
export function untaggedStatus(status: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH', text: string, code?: string): Buffer {
  return Buffer.from(`* ${status} ${code ? `[${code}] ` : ''}${safeText(text)}\r\n`, 'utf8');
}

/** `+ text\r\n` (command continuation request). */
export function continuation(text: string): Buffer {
  return Buffer.from(`+ ${safeText(text)}\r\n`, 'utf8');
}

// Human-readable text ends at the line end; a CR or LF inside it (from an error message that
// quotes client input) would let that input inject a response line.
function safeText(text: string): string {
  return text.replace(/[\r\n\0]+/g, ' ');
}

const ATOM_SPECIALS = /[\x00-\x20\x7f-\uffff(){%*"\\\]]/;

/** An astring: an atom when it can be one, else a string. `NIL` is quoted so it is not read as nil. */
export function astring(s: string): ImapValue {
  return s === '' || ATOM_SPECIALS.test(s) || s.toUpperCase() === 'NIL' ? { string: s } : s;
}

/** An nstring: NIL for null, otherwise always a string (never an atom). */
export function nstring(s: string | null): ImapValue {
  return s === null ? null : { string: s };
}

/** A mailbox name as a reply carries it: modified UTF-7 unless UTF8=ACCEPT, quoted when needed. */
export function mailboxValue(name: string, utf8: boolean): ImapValue {
  return astring(encodeMailboxName(name, utf8));
}

/** A flag list; flags are atoms (or `\`-prefixed atoms) by construction of the store. */
export function flagList(flags: readonly string[]): ImapValue {
  return { raw: `(${flags.join(' ')})` };
}

function formatSectionSpec(part: number[], section?: Section): string {
  const pieces: string[] = [];
  if (part.length > 0) pieces.push(part.join('.'));
  if (section?.text) {
    let text: string = section.text;
    if (section.fields) text += ` (${section.fields.map((f) => serializeValues([astring(f)]).toString('utf8')).join(' ')})`;
    pieces.push(text);
  }
  return pieces.join('.');
}

function formatPartialOrigin(partial?: Partial): string {
  return partial ? `<${partial.offset}>` : '';
}

/**
 * The item name a FETCH response uses for an attribute (RFC 9051 §7.5.2): `.PEEK` dropped and a
 * partial shown by its origin only, e.g. `BODY[1.HEADER.FIELDS (FROM)]<0>`.
 */
export function fetchItemName(attribute: FetchAttribute): string {
  switch (attribute.type) {
    case 'BODY[]':
      return `BODY[${formatSectionSpec(attribute.section.part, attribute.section)}]${formatPartialOrigin(attribute.partial)}`;
    case 'BINARY':
      return `BINARY[${attribute.part.join('.')}]${formatPartialOrigin(attribute.partial)}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${attribute.part.join('.')}]`;
    default:
      return attribute.type;
  }
}
