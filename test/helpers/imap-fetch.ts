// Reading values out of IMAP response text (latin-1, literals inline) for assertions: one FETCH
// item, an untagged response's lines, a STATUS list. Just enough grammar to find things.

/** Where the value starting at `at` ends: an atom, a quoted string, a literal or a parenthesised list. */
function valueEnd(text: string, at: number): number {
  const literal = /^~?\{(\d+)\}\r\n/.exec(text.slice(at, at + 40));
  if (literal) return at + literal[0].length + Number(literal[1]);
  const c = text[at];
  if (c === '"') {
    let i = at + 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (c === '(') {
    let depth = 0;
    let i = at;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"' || (ch === '{' && /^\{\d+\}\r\n/.test(text.slice(i, i + 40))) || (ch === '~' && text[i + 1] === '{')) {
        i = valueEnd(text, i);
        continue;
      }
      if (ch === '(') depth++;
      if (ch === ')') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  const atom = /^[^\s()]+/.exec(text.slice(at));
  return at + (atom ? atom[0].length : 0);
}

/** The decoded value of a quoted string or literal at `at`; other values as their text. */
function decodeValue(text: string, at: number, end: number): string {
  const raw = text.slice(at, end);
  const literal = /^~?\{(\d+)\}\r\n/.exec(raw);
  if (literal) return raw.slice(literal[0].length);
  if (raw.startsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  return raw;
}

/**
 * The value of FETCH item `name` (a string, or a RegExp matching the name as the server wrote
 * it) in `text`; literals and quoted strings decoded, lists and atoms as sent. Undefined if absent.
 */
export function fetchItem(text: string, name: string | RegExp): string | undefined {
  const re = typeof name === 'string' ? new RegExp(`[ (]${escapeRegExp(name)} `, 'i') : new RegExp(`[ (](?:${name.source}) `, 'i');
  let from = 0;
  for (;;) {
    const m = re.exec(text.slice(from));
    if (!m) return undefined;
    const at = from + m.index + m[0].length;
    // Skip matches inside a literal's data: only accept when what follows parses as a value.
    const end = valueEnd(text, at);
    if (end > at) return decodeValue(text, at, end);
    from = at;
  }
}

/** Every FETCH item of `text` as bytes (latin-1 → Buffer), for literal bodies. */
export function fetchBytes(text: string, name: string | RegExp): Buffer | undefined {
  const value = fetchItem(text, name);
  return value === undefined ? undefined : Buffer.from(value, 'latin1');
}

/** Untagged response lines (first line only, no CRLF) that start with `* KEYWORD` or `* n KEYWORD`. */
export function untaggedLines(text: string, keyword: string): string[] {
  const re = new RegExp(`^\\* (?:\\d+ )?${escapeRegExp(keyword)}\\b.*$`, 'gim');
  return [...text.matchAll(re)].map((m) => m[0].replace(/\r$/, ''));
}

/** `* SEARCH 1 2 3` → [1, 2, 3] (the first SEARCH response). */
export function searchNumbers(text: string): number[] | undefined {
  const m = /^\* SEARCH((?: \d+)*)(?: \(MODSEQ \d+\))?\r?$/im.exec(text);
  if (!m) return undefined;
  return m[1].trim() === '' ? [] : m[1].trim().split(' ').map(Number);
}

/** `* SORT 1 2 3` → [1, 2, 3]. */
export function sortNumbers(text: string): number[] | undefined {
  const m = /^\* SORT((?: \d+)*)\r?$/im.exec(text);
  if (!m) return undefined;
  return m[1].trim() === '' ? [] : m[1].trim().split(' ').map(Number);
}

/** `* STATUS name (MESSAGES 3 UIDNEXT 4)` → { MESSAGES: 3, UIDNEXT: 4 } for the named mailbox. */
export function statusItems(text: string, mailbox?: string): Record<string, number> | undefined {
  for (const m of text.matchAll(/^\* STATUS ("(?:[^"\\]|\\.)*"|\S+) \((.*)\)\r?$/gim)) {
    const name = m[1].replace(/^"(.*)"$/, '$1');
    if (mailbox !== undefined && name !== mailbox) continue;
    const items: Record<string, number> = {};
    // MAILBOXID's value is a list; it is not a number and is left out.
    for (const item of m[2].matchAll(/([A-Z0-9=-]+) (\([^)]*\)|\S+)/gi)) if (/^\d+$/.test(item[2])) items[item[1].toUpperCase()] = Number(item[2]);
    return items;
  }
  return undefined;
}

/** Expands a sequence set like `1:3,7` (no `*`). */
export function expandSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (b === undefined) out.push(a);
    else for (let i = Math.min(a, b); i <= Math.max(a, b); i++) out.push(i);
  }
  return out;
}

export interface ListEntry {
  attributes: string[];
  delimiter: string | null;
  name: string;
  /** The text after the name (LIST-EXTENDED child info), if any. */
  extra: string;
}

/** `* LIST (\HasNoChildren) "/" Name` lines (also LSUB and XLIST) → entries. */
export function listEntries(text: string, keyword = 'LIST'): ListEntry[] {
  const entries: ListEntry[] = [];
  const re = new RegExp(`^\\* ${keyword} \\(([^)]*)\\) (NIL|"(?:[^"\\\\]|\\\\.)") `, 'gim');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = m.index + m[0].length;
    const end = valueEnd(text, at);
    const name = decodeValue(text, at, end);
    const eol = text.indexOf('\r\n', end);
    entries.push({
      attributes: m[1].trim() === '' ? [] : m[1].trim().split(/\s+/),
      delimiter: m[2] === 'NIL' ? null : m[2].slice(1, -1).replace(/\\(.)/g, '$1'),
      name,
      extra: text.slice(end, eol < 0 ? undefined : eol).trim(),
    });
  }
  return entries;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
