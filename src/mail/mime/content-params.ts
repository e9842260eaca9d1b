// Content-Type and Content-Disposition: a token followed by parameters (RFC 2045 §5.1,
// RFC 2183), with RFC 2231 continuations and charsets.
//
// Each parameter is read once and given two ways: decoded (RFC 2231 sections joined and
// charset-decoded, for JMAP and display) and as IMAP's BODYSTRUCTURE lists it (quoting removed,
// RFC 2231 parameters passed through as written, which is what Dovecot sends and what IMAP
// clients decode themselves).
import { bytesToText, decodeCharset } from './charset.ts';
import { isHex } from './encoded-words.ts';

/** A parameter as IMAP lists it: [name, value]. */
export type ParamPair = [string, string];

export interface StructuredValue {
  /** The leading token ("text/plain", "attachment"), lower-cased; '' when missing. */
  value: string;
  /** Parameters, names lower-cased, values decoded to text. */
  params: Record<string, string>;
  /**
   * The parameters in IMAP's form: names as written, in order, duplicates kept, quoted-pairs
   * unescaped (RFC 5322 §3.2.4); RFC 2231 ones follow, sorted by name, their sections merged
   * but not decoded (`name*` "utf-8''%E2%82%AC"), or listed one by one when sections are missing.
   */
  imapParams: ParamPair[];
  /**
   * Plain (non-RFC 2231) values as Latin-1 byte strings, names lower-cased, for byte-exact use
   * (boundaries). Only `\"` and `\\` unescaped, as in `params`.
   */
  plainBytes: Map<string, string>;
}

/** One parameter as written; values are Latin-1 byte strings. */
interface WrittenParam {
  name: string;
  /** Every quoted-pair unescaped, as RFC 5322 §3.2.4 reads a quoted-string. */
  value: string;
  /**
   * Only `\"` and `\\` unescaped: Windows clients send paths like "C:\TEMP\a.png" unescaped,
   * and a file name shown to the user should keep its backslashes.
   */
  displayValue: string;
}

interface Section {
  /** The name before the '*', as written. */
  base: string;
  index: number;
  extended: boolean;
  param: WrittenParam;
}

// RFC 2231 §3-4: name*N is section N of a continued value, a trailing '*' marks it encoded.
const SECTION_NAME = /^([^*]+)\*(?:(\d+)(\*)?)?$/;

/**
 * Parse a structured header value given as a Latin-1 byte string (one character per octet),
 * so that parameter bytes survive untouched until their charset is known.
 */
export function parseStructuredValue(bytes: string): StructuredValue {
  let i = skipCfws(bytes, 0);
  const valueStart = i;
  // The leading token ends at ';' or white space: some senders omit the ';' before the
  // first parameter ("multipart/mixed\r\n\tboundary=...").
  while (i < bytes.length && !/[;\s(]/.test(bytes[i])) i++;
  const value = bytes.slice(valueStart, i).toLowerCase();
  const written: WrittenParam[] = [];
  // RFC 2045 §5.1: `*(";" parameter)`. A missing ';' after the media type is forgiven (above);
  // text after a parameter that is not followed by ';' is not a parameter (RFC 2046 §5.2.3.7's
  // example "access-type=mail-server server=..." has no server parameter, as Dovecot reads it).
  let expectParam = true;
  while (i < bytes.length) {
    i = skipCfws(bytes, i);
    if (i >= bytes.length) break;
    if (bytes[i] === ';') {
      i++;
      expectParam = true;
      continue;
    }
    if (!expectParam) {
      i = skipToSemicolon(bytes, i);
      continue;
    }
    expectParam = false;
    const nameStart = i;
    while (i < bytes.length && !/[=;\s"(]/.test(bytes[i])) i++;
    const name = bytes.slice(nameStart, i);
    i = skipCfws(bytes, i);
    // An attribute without a value is not a parameter; the rest up to ';' is skipped.
    if (bytes[i] !== '=' || name === '') continue;
    i = skipCfws(bytes, i + 1);
    if (bytes[i] === '"') {
      const [rfc, display, next] = readQuoted(bytes, i);
      written.push({ name, value: rfc, displayValue: display });
      i = next;
    } else {
      const [bare, next] = readBareValue(bytes, i);
      written.push({ name, value: bare, displayValue: bare });
      i = next;
    }
  }
  const plain: WrittenParam[] = [];
  const sections = new Map<string, Section[]>();
  for (const param of written) {
    const m = SECTION_NAME.exec(param.name);
    if (!m) {
      plain.push(param);
      continue;
    }
    const [, base, index, star] = m;
    const section: Section = index === undefined ? { base, index: 0, extended: true, param } : { base, index: Number(index), extended: star === '*', param };
    const key = base.toLowerCase();
    const list = sections.get(key) ?? [];
    list.push(section);
    sections.set(key, list);
  }
  for (const list of sections.values()) list.sort((a, b) => a.index - b.index);
  const plainBytes = new Map<string, string>();
  for (const param of plain) {
    const key = param.name.toLowerCase();
    if (!plainBytes.has(key)) plainBytes.set(key, param.displayValue);
  }
  return { value, params: decodeParams(plainBytes, sections), imapParams: imapParams(plain, sections), plainBytes };
}

function decodeParams(plainBytes: Map<string, string>, sections: Map<string, Section[]>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of plainBytes) params[name] = bytesToText(Buffer.from(value, 'latin1'));
  // An RFC 2231 value wins over a plain one of the same name: senders add the plain one as a
  // lossy fallback for old readers.
  for (const [name, list] of sections) params[name] = joinSections(list);
  return params;
}

/** The sections (sorted by index) of one RFC 2231 parameter, joined and decoded. */
function joinSections(list: Section[]): string {
  let charset: string | null = null;
  const chunks: Buffer[] = [];
  let lastIndex = -1;
  for (const section of list) {
    // A repeated section number: the first one counts.
    if (section.index === lastIndex) continue;
    lastIndex = section.index;
    let value = section.param.displayValue;
    if (section.extended && section.index === 0) {
      // charset'language'encoded-text (RFC 2231 §4); the language is not needed for display.
      const first = value.indexOf("'");
      const second = first < 0 ? -1 : value.indexOf("'", first + 1);
      if (second >= 0) {
        charset = value.slice(0, first) || null;
        value = value.slice(second + 1);
      }
    }
    chunks.push(section.extended ? percentDecode(value) : Buffer.from(value, 'latin1'));
  }
  const bytes = Buffer.concat(chunks);
  return charset ? decodeCharset(bytes, charset) : bytesToText(bytes);
}

/**
 * IMAP's parameter list, as Dovecot builds it: plain parameters in order, then each RFC 2231
 * parameter (sorted by name) with its sections 0..n joined as written under `name*` (or `name`
 * when section 0 is not encoded), or, when a section number is missing or repeated, every
 * section under its own name (`name*1`, `name*2*`).
 */
function imapParams(plain: WrittenParam[], sections: Map<string, Section[]>): ParamPair[] {
  const out: ParamPair[] = plain.map((p): ParamPair => [p.name, text(p.value)]);
  const names = [...sections.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const list = sections.get(name) as Section[];
    if (list.every((s, k) => s.index === k)) {
      const first = list[0];
      // Once section 0 is encoded the joined value is too, so plain sections are %-encoded.
      const joined = list.map((s) => (first.extended && !s.extended ? percentEncode(s.param.value) : s.param.value)).join('');
      out.push([first.extended ? `${first.base}*` : first.base, text(joined)]);
    } else {
      for (const s of list) out.push([`${s.base}*${s.index}${s.extended ? '*' : ''}`, text(s.param.value)]);
    }
  }
  return out;
}

function text(latin1: string): string {
  return bytesToText(Buffer.from(latin1, 'latin1'));
}

function percentDecode(value: string): Buffer {
  const out = Buffer.alloc(value.length);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && isHex(value.charCodeAt(i + 1)) && isHex(value.charCodeAt(i + 2))) {
      out[n++] = parseInt(value.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

// '%' itself and bytes that cannot appear in an RFC 2231 extended value as they are.
function percentEncode(value: string): string {
  return value.replace(/[%\x00-\x1f\x7f-\xff]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** A quoted-string from its opening quote: [RFC 5322 value, display value, offset after it]. */
function readQuoted(s: string, start: number): [string, string, number] {
  let rfc = '';
  let display = '';
  let i = start + 1;
  while (i < s.length && s[i] !== '"') {
    let c = s[i];
    // Folding inside a quoted string is removed by unfolding (RFC 5322 §3.2.4).
    if (c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < s.length) {
      const next = s[i + 1];
      // quoted-pair (RFC 5322 §3.2.1): the backslash only quotes the next character.
      if (next !== '\r' && next !== '\n') {
        rfc += next;
        display += next === '"' || next === '\\' ? next : c + next;
        i += 2;
        continue;
      }
      c = '\\';
    }
    rfc += c;
    display += c;
    i++;
  }
  return [rfc, display, i + 1];
}

// A bare value should be a token, but real mail has unquoted file names with spaces. Read to
// the next ';', then cut before white space followed by "name=", in case the ';' was omitted
// (what follows is then skipped as text that is not a parameter).
function readBareValue(s: string, start: number): [string, number] {
  let end = s.indexOf(';', start);
  if (end < 0) end = s.length;
  let value = s.slice(start, end);
  const nextParam = /\s+[^\s=;"]+\s*=/.exec(value);
  if (nextParam) {
    value = value.slice(0, nextParam.index);
    end = start + nextParam.index;
  }
  return [value.replace(/\r?\n/g, '').trim(), end];
}

/** Skip text that is not a parameter: up to the next ';' outside quotes and comments. */
function skipToSemicolon(s: string, start: number): number {
  let i = start;
  while (i < s.length && s[i] !== ';') {
    if (s[i] === '"') i = readQuoted(s, i)[2];
    else if (s[i] === '(') i = skipCfws(s, i);
    else i++;
  }
  return i;
}

/** Skip white space, line breaks and (nested) RFC 5322 comments. */
function skipCfws(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') i++;
    else if (c === '(') {
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === '\\') i++;
        else if (s[i] === '(') depth++;
        else if (s[i] === ')' && --depth === 0) break;
      }
      i++;
    } else break;
  }
  return i;
}
