// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3) unless UTF8=ACCEPT is enabled
// (RFC 6855 §3: then names are UTF-8 and no modified UTF-7 decoding happens), and LIST patterns.

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const BASE64_INDEX = new Map([...BASE64].map((c, i) => [c, i]));

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

export function encodeMailboxName(name: string, utf8: boolean): string {
  if (utf8) return name;
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes: number[] = [];
    for (const unit of pending) bytes.push(unit >> 8, unit & 0xff);
    let bits = 0;
    let value = 0;
    out += '&';
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += BASE64[(value >> bits) & 0x3f];
      }
    }
    if (bits > 0) out += BASE64[(value << (6 - bits)) & 0x3f];
    out += '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isDirect(code)) {
      flush();
      out += code === 0x26 ? '&-' : name[i];
    } else {
      pending.push(code);
    }
  }
  flush();
  return out;
}

/** The name a client sent; null when it is not valid modified UTF-7 (8-bit bytes, bad base64, odd lengths). */
export function decodeMailboxName(wire: string, utf8: boolean): string | null {
  if (utf8) return wire;
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const c = wire[i];
    if (!isDirect(c.charCodeAt(0))) return null;
    if (c !== '&') {
      out += c;
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) return null;
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    const decoded = decodeModifiedBase64(wire.slice(i + 1, end));
    if (decoded === null) return null;
    out += decoded;
    i = end + 1;
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeModifiedBase64(text: string): string | null {
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const c of text) {
    const digit = BASE64_INDEX.get(c);
    if (digit === undefined) return null;
    value = ((value << 6) | digit) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero padding, and the bytes must form whole UTF-16 units.
  if (bits >= 6 || (value & ((1 << bits) - 1)) !== 0 || bytes.length % 2 !== 0) return null;
  let out = '';
  for (let k = 0; k < bytes.length; k += 2) {
    const unit = (bytes[k] << 8) | bytes[k + 1];
    // RFC 3501 §5.1.3: printable US-ASCII must represent itself, never be base64-encoded.
    if (isDirect(unit)) return null;
    out += String.fromCharCode(unit);
  }
  return LONE_SURROGATE.test(out) ? null : out;
}

/**
 * LIST/LSUB matching (RFC 9051 §6.3.9): the reference and pattern are joined, `*` matches
 * anything and `%` anything but the hierarchy separator. INBOX is case-insensitive, so the
 * first five characters of an INBOX-rooted name compare without case.
 */
export function matchesListPattern(name: string, reference: string, pattern: string, separator = '/'): boolean {
  const full = joinReference(reference, pattern, separator);
  const inboxRooted = name === 'INBOX' || name.startsWith('INBOX' + separator);
  const charMatches = (p: string, ni: number): boolean =>
    inboxRooted && ni < 5 ? p.toUpperCase() === name[ni] : p === name[ni];
  // reachable[j]: the pattern prefix processed so far can match name[0..j).
  let reachable = new Array<boolean>(name.length + 1).fill(false);
  reachable[0] = true;
  for (const p of full) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    if (p === '*' || p === '%') {
      let open = false;
      for (let j = 0; j <= name.length; j++) {
        if (reachable[j]) open = true;
        if (open) next[j] = true;
        if (p === '%' && j < name.length && name[j] === separator) open = false;
      }
    } else {
      for (let j = 0; j < name.length; j++) if (reachable[j] && charMatches(p, j)) next[j + 1] = true;
    }
    reachable = next;
  }
  return reachable[name.length];
}

// A reference ending with the separator and a pattern starting with it name one level, not two.
function joinReference(reference: string, pattern: string, separator: string): string {
  if (reference.endsWith(separator) && pattern.startsWith(separator)) return reference + pattern.slice(1);
  return reference + pattern;
}
