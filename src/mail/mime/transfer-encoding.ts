// Undoing Content-Transfer-Encoding (RFC 2045 §6) on Buffers, never via strings of the body.
import { isHex } from './encoded-words.ts';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;

/** Decode a part body; identity encodings (7bit, 8bit, binary) and unknown ones return it as is. */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case 'x-uuencode':
    case 'uuencode':
    case 'x-uue':
      return decodeUuencode(body);
    default:
      return body;
  }
}

// Node's base64 decoder skips line breaks and characters outside the alphabet (RFC 2045 §6.8
// says to ignore them) and stops at padding.
function decodeBase64(body: Buffer): Buffer {
  return Buffer.from(body.toString('latin1'), 'base64');
}

/** RFC 2045 §6.7, lenient: an "=" not followed by two hex digits or a line break is kept literally. */
function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let n = 0;
  let i = 0;
  const len = body.length;
  while (i < len) {
    const c = body[i];
    if (c === EQUALS) {
      if (i + 2 < len && isHex(body[i + 1]) && isHex(body[i + 2])) {
        out[n++] = (hexValue(body[i + 1]) << 4) | hexValue(body[i + 2]);
        i += 3;
        continue;
      }
      // A soft line break: "=" then optional transport padding, then the line break.
      let j = i + 1;
      while (j < len && (body[j] === SP || body[j] === TAB)) j++;
      if (j < len && body[j] === CR && body[j + 1] === LF) j++;
      if (j >= len || body[j] === LF) {
        i = j + 1;
        continue;
      }
      out[n++] = c;
      i++;
    } else if (c === SP || c === TAB) {
      // Rule 3: white space at the end of an encoded line was added in transport; drop it.
      let j = i + 1;
      while (j < len && (body[j] === SP || body[j] === TAB)) j++;
      const atLineEnd = j >= len || body[j] === LF || (body[j] === CR && body[j + 1] === LF);
      if (!atLineEnd) for (; i < j; i++) out[n++] = body[i];
      i = j;
    } else {
      out[n++] = c;
      i++;
    }
  }
  return out.subarray(0, n);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/**
 * uuencode, still sent as "x-uuencode" by old clients: lines between "begin mode name" and
 * "end", each led by a length character; every character carries 6 bits offset by 32.
 */
function decodeUuencode(body: Buffer): Buffer {
  const text = body.toString('latin1');
  const begin = /^begin [0-7]+ .*$/m.exec(text);
  if (!begin) return body;
  const chunks: Buffer[] = [];
  for (const line of text.slice(begin.index + begin[0].length).split(/\r?\n/)) {
    if (line === 'end') break;
    if (line === '') continue;
    const count = (line.charCodeAt(0) - 32) & 0x3f;
    if (count === 0) continue;
    const bytes = Buffer.alloc(Math.ceil(count / 3) * 3);
    let n = 0;
    for (let i = 1; i < line.length && n < bytes.length; i += 4) {
      const a = (line.charCodeAt(i) - 32) & 0x3f;
      const b = (line.charCodeAt(i + 1) - 32) & 0x3f;
      const c = (line.charCodeAt(i + 2) - 32) & 0x3f;
      const d = (line.charCodeAt(i + 3) - 32) & 0x3f;
      bytes[n++] = (a << 2) | (b >> 4);
      bytes[n++] = ((b << 4) | (c >> 2)) & 0xff;
      bytes[n++] = ((c << 6) | d) & 0xff;
    }
    chunks.push(bytes.subarray(0, count));
  }
  return Buffer.concat(chunks);
}
