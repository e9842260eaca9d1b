// RFC 5322 §3.4 address lists, read leniently: mail in the wild has unquoted commas in names,
// obsolete routes and spacing (§4.4), names in comments (RFC 822 style) and missing brackets.
import type { Address, AddressGroup } from './types.ts';
import { decodeHeaderValue, unfold } from './encoded-words.ts';

interface Word {
  text: string;
  quoted: boolean;
}

/** Collects one mailbox's pieces until a ',' ';' or the end says it is complete. */
class MailboxBuilder {
  words: Word[] = [];
  comments: string[] = [];
  angle: string | null = null;
  /** RFC 5322 §4.4 obsolete source route (`@relay1,@relay2`), kept because IMAP's ENVELOPE reports it. */
  route: string | null = null;

  isEmpty(): boolean {
    return this.words.length === 0 && this.angle === null;
  }

  build(decode: boolean): Address | null {
    if (this.isEmpty()) return null;
    if (this.angle !== null) {
      const phrase = joinWords(this.words.map((w) => w.text));
      const address: Address = { name: displayName(phrase || this.comments.join(' '), decode), address: this.angle };
      if (this.route) address.route = this.route;
      return address;
    }
    // No angle brackets: an addr-spec, possibly obs-spaced ("john . doe @ example.com"),
    // possibly with a bare name beside it, possibly a name in a comment (RFC 822 style).
    const segments = glueAddrSpecs(this.words);
    const at = findLastIndex(segments, (s) => !s.quoted && s.text.includes('@'));
    if (at >= 0) {
      const rest = segments.filter((_, i) => i !== at).map((s) => s.text);
      return { name: displayName(joinWords([...rest, ...this.comments]), decode), address: segments[at].text };
    }
    if (segments.length === 1) return { name: displayName(this.comments.join(' '), decode), address: segments[0].text };
    return { name: displayName(joinWords(segments.map((s) => s.text)), decode), address: '' };
  }
}

// Module functions rather than closures here and in parseAddressList: tsx (keepNames) names every
// closure it creates with a defineProperty call, a measurable cost on every parsed address list.
function displayName(text: string, decode: boolean): string {
  return decode ? decodeHeaderValue(text) : text.trim();
}

function finishMailbox(mailbox: MailboxBuilder, decode: boolean, group: AddressGroup | null, result: (Address | AddressGroup)[]): void {
  const address = mailbox.build(decode);
  if (address) (group ? group.members : result).push(address);
}

// Words are joined by single spaces, except before the comma of an unquoted "Doe, John".
function joinWords(words: string[]): string {
  let out = '';
  for (const word of words) out += out === '' || word === ',' ? word : ' ' + word;
  return out;
}

function findLastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}

// Words separated only by '.' or '@' belong to one addr-spec (RFC 5322 §4.4 allows CFWS there).
function glueAddrSpecs(words: Word[]): Word[] {
  const out: Word[] = [];
  for (const word of words) {
    const prev = out[out.length - 1];
    const text = word.quoted ? `"${word.text}"` : word.text;
    if (prev && (/[.@]$/.test(prev.text) || /^[.@]/.test(text))) {
      out[out.length - 1] = { text: prev.text + text, quoted: false };
    } else out.push({ text: word.quoted ? word.text : text, quoted: word.quoted });
  }
  return out;
}

const ATOM_STOP = new Set([' ', '\t', '"', '(', '<', ',', ';', ':']);

/** Parse an address list; display names are RFC 2047-decoded unless `decode` is false. */
export function parseAddressList(value: string, decode = true): (Address | AddressGroup)[] {
  const s = unfold(value);
  const result: (Address | AddressGroup)[] = [];
  let group: AddressGroup | null = null;
  let current = new MailboxBuilder();
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') i++;
    else if (c === '"') {
      const [text, next] = readDelimited(s, i, '"');
      current.words.push({ text, quoted: true });
      i = next;
    } else if (c === '(') {
      const [text, next] = readComment(s, i);
      current.comments.push(text);
      i = next;
    } else if (c === '<') {
      const [text, next] = readDelimited(s, i, '>');
      if (current.angle === null) {
        const [route, addr] = splitRoute(stripComments(text).replace(/\s+/g, ''));
        current.angle = addr;
        current.route = route;
      }
      i = next;
    } else if (c === ',') {
      // A name with an unquoted comma ("Doe, John <j@x>") leaves a word-only mailbox before
      // the one with the address; keep them together.
      if (current.angle === null && !current.words.some((w) => w.text.includes('@')) && nextHasAngleBeforeComma(s, i + 1)) {
        current.words.push({ text: ',', quoted: false });
        i++;
        continue;
      }
      finishMailbox(current, decode, group, result);
      current = new MailboxBuilder();
      i++;
    } else if (c === ':' && group === null && current.angle === null) {
      // RFC 5322 §3.4: display-name ":" [group-list] ";"
      const phrase = joinWords(current.words.map((w) => w.text));
      group = { group: decode ? decodeHeaderValue(phrase) : phrase.trim(), members: [] };
      current = new MailboxBuilder();
      i++;
    } else if (c === ';') {
      finishMailbox(current, decode, group, result);
      current = new MailboxBuilder();
      if (group) result.push(group);
      group = null;
      i++;
    } else {
      let j = i;
      while (j < s.length && !ATOM_STOP.has(s[j])) j++;
      if (j === i) j++; // a stray ':' or ';' outside its grammar position
      const text = s.slice(i, j);
      if (text !== ':' && text !== ';') current.words.push({ text, quoted: false });
      i = j;
    }
  }
  finishMailbox(current, decode, group, result);
  if (group) result.push(group);
  return result;
}

function nextHasAngleBeforeComma(s: string, from: number): boolean {
  let inQuote = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === '\\') i++;
    else if (!inQuote && (c === ',' || c === ';' || c === ':')) return false;
    else if (!inQuote && c === '<') return true;
    else if (!inQuote && c === '@') return false;
  }
  return false;
}

// Obsolete source routes "<@a,@b:user@host>" (RFC 5322 §4.4) are dropped, as RFC 5321 §4.1.2 says.
/** `@a,@b:user@host` → [`@a,@b`, `user@host`]; an address without a route → [null, address]. */
function splitRoute(addr: string): [string | null, string] {
  if (!addr.startsWith('@')) return [null, addr];
  const colon = addr.indexOf(':');
  return colon < 0 ? [null, addr] : [addr.slice(0, colon), addr.slice(colon + 1)];
}

// An angle-addr may hold CFWS around its parts: "<c@(Chris's host.)public.example>".
function stripComments(text: string): string {
  if (text.indexOf('(') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (text[i] === '(') i = readComment(text, i)[1];
    else out += text[i++];
  }
  return out;
}

/** Text between `s[start]` and the closing delimiter, backslash escapes removed. */
function readDelimited(s: string, start: number, close: string): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < s.length && s[i] !== close) {
    if (s[i] === '\\' && i + 1 < s.length) i++;
    out += s[i];
    i++;
  }
  return [out, i + 1];
}

function readComment(s: string, start: number): [string, number] {
  let depth = 0;
  let out = '';
  let i = start;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      out += s[++i];
      continue;
    }
    if (c === '(') {
      if (depth++ > 0) out += c;
    } else if (c === ')') {
      if (--depth === 0) break;
      out += c;
    } else out += c;
  }
  return [out.trim(), i + 1];
}

/** Groups flattened into their members, as IMAP ENVELOPE and JMAP EmailAddress lists carry them. */
export function flattenAddresses(list: (Address | AddressGroup)[]): Address[] {
  const out: Address[] = [];
  for (const item of list) {
    if ('group' in item) out.push(...item.members);
    else out.push(item);
  }
  return out;
}
