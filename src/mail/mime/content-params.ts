// Content-Type and Content-Disposition: a token followed by parameters (RFC 2045 §5.1,
// RFC 2183), with RFC 2231 continuations and charsets.
import { bytesToText, decodeCharset } from './charset.ts';
import { isHex } from './encoded-words.ts';

export interface StructuredValue {
  /** The leading token ("text/plain", "attachment"), lower-cased; '' when missing. */
  value: string;
  /** Parameters, names lower-cased, values decoded to text. */
  params: Record<string, string>;
  /** Plain (non-RFC 2231) parameter values as Latin-1 byte strings, for byte-exact use (boundaries). */
  rawParams: Map<string, string>;
}

interface Section {
  index: number;
  extended: boolean;
  value: string;
}

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
  const rawParams = new Map<string, string>();
  const sections = new Map<string, Section[]>();
  while (i < bytes.length) {
    i = skipCfws(bytes, i);
    if (bytes[i] === ';') {
      i++;
      continue;
    }
    if (i >= bytes.length) break;
    const nameStart = i;
    while (i < bytes.length && !/[=;\s"]/.test(bytes[i])) i++;
    const name = bytes.slice(nameStart, i).toLowerCase();
    i = skipCfws(bytes, i);
    if (bytes[i] !== '=' || name === '') {
      // An attribute without a value is not a parameter; resume at the next separator.
      if (i === nameStart) i++;
      continue;
    }
    i = skipCfws(bytes, i + 1);
    let paramValue: string;
    if (bytes[i] === '"') [paramValue, i] = readQuoted(bytes, i);
    else [paramValue, i] = readBareValue(bytes, i);
    addParam(name, paramValue, rawParams, sections);
  }
  return { value, params: decodeParams(rawParams, sections), rawParams };
}

function addParam(name: string, value: string, rawParams: Map<string, string>, sections: Map<string, Section[]>): void {
  // RFC 2231 §3-4: name*N is section N of a continued value, a trailing '*' marks it encoded.
  const m = /^([^*]+)\*(?:(\d+)(\*)?)?$/.exec(name);
  if (!m) {
    if (!rawParams.has(name)) rawParams.set(name, value);
    return;
  }
  const [, base, index, star] = m;
  const section: Section = index === undefined ? { index: 0, extended: true, value } : { index: Number(index), extended: star === '*', value };
  const list = sections.get(base) ?? [];
  if (!list.some((s) => s.index === section.index)) list.push(section);
  sections.set(base, list);
}

function decodeParams(rawParams: Map<string, string>, sections: Map<string, Section[]>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of rawParams) params[name] = bytesToText(Buffer.from(value, 'latin1'));
  // An RFC 2231 value wins over a plain one of the same name: senders add the plain one as a
  // lossy fallback for old readers.
  for (const [name, list] of sections) params[name] = joinSections(list);
  return params;
}

function joinSections(list: Section[]): string {
  list.sort((a, b) => a.index - b.index);
  let charset: string | null = null;
  const chunks: Buffer[] = [];
  for (const section of list) {
    let value = section.value;
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

function readQuoted(s: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < s.length && s[i] !== '"') {
    // Only \" and \\ are taken as escapes: Windows clients send paths like "C:\TEMP\a.png".
    if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
    // Folding inside a quoted string is removed by unfolding (RFC 5322 §3.2.4).
    if (s[i] !== '\r' && s[i] !== '\n') out += s[i];
    i++;
  }
  return [out, i + 1];
}

// A bare value should be a token, but real mail has unquoted file names with spaces. Read to
// the next ';', then cut before white space followed by "name=", in case the ';' was omitted.
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
