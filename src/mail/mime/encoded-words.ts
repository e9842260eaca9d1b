// RFC 2047 encoded words ("=?charset?Q?text?=") in unstructured header text and phrases.
import { decodeCharset } from './charset.ts';

// RFC 2047 §2: charset and encoding are tokens and encoded-text has no '?'. Spaces inside the
// encoded text are tolerated because some senders fail to encode them.
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g;

/** Remove folding line breaks (RFC 5322 §2.2.3 unfolding); stray bare CR/LF go too. */
export function unfold(value: string): string {
  return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value : value.replace(/\r?\n|\r/g, '');
}

/**
 * Decode a header value for display: unfold, decode RFC 2047 encoded words, trim. Raw UTF-8
 * (RFC 6532) is already text by the time a HeaderField value exists, so it passes through.
 */
export function decodeHeaderValue(value: string): string {
  const text = unfold(value);
  if (text.indexOf('=?') < 0) return text.trim();
  let out = '';
  let last = 0;
  // Consecutive words in one charset are joined as bytes before decoding, because senders
  // split multibyte characters across words although RFC 2047 §5 forbids it.
  let pending: { charset: string; bytes: Buffer[] } | null = null;
  const flush = (): void => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = null;
  };
  for (const match of text.matchAll(ENCODED_WORD)) {
    const start = match.index;
    const gap = text.slice(last, start);
    // RFC 2047 §6.2: white space between adjacent encoded words is not displayed.
    const adjacent = pending !== null && /^[ \t]*$/.test(gap);
    if (!adjacent) {
      flush();
      out += gap;
    }
    const charset = match[1].toLowerCase();
    const bytes = match[2].toLowerCase() === 'b' ? decodeBWord(match[3]) : decodeQWord(match[3]);
    if (pending && pending.charset === charset) pending.bytes.push(bytes);
    else {
      flush();
      pending = { charset, bytes: [bytes] };
    }
    last = start + match[0].length;
  }
  flush();
  out += text.slice(last);
  return out.trim();
}

function decodeBWord(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'base64');
}

// RFC 2047 §4.2: "_" is a space and "=XX" a hexadecimal octet; anything else stands for itself.
function decodeQWord(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else {
      const char = String.fromCodePoint(text.codePointAt(i) ?? c);
      for (const b of Buffer.from(char, 'utf8')) out.push(b);
      i += char.length - 1;
    }
  }
  return Buffer.from(out);
}

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
