// Bytes to text for header values, encoded words and text bodies.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/**
 * Undeclared 8-bit text: UTF-8 when the bytes are valid UTF-8 (RFC 6532 allows raw UTF-8 in
 * headers), otherwise Latin-1, which never fails and keeps one character per byte.
 */
export function bytesToText(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

// Labels that promise ASCII or Latin-1 but in practice carry whatever the sender's client used:
// try UTF-8 first, then windows-1252 (the WHATWG Encoding Standard maps these labels to it,
// and its extra characters in 0x80-0x9f are the ones those mails actually contain).
const GUESSING_LABELS = new Set(['us-ascii', 'ascii', 'iso-8859-1', 'latin1', 'iso_8859-1', 'iso8859-1', 'unknown-8bit', 'x-unknown', 'unknown', 'default']);

/**
 * Decode bytes declared as `charset`. iconv-lite first, then the platform's TextDecoder; a
 * missing or unknown charset reads as UTF-8 when valid, else windows-1252 (Latin-1 plus the
 * characters Windows senders put in 0x80-0x9f).
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined | null): string {
  const label = normaliseLabel(charset);
  if (label !== '' && !GUESSING_LABELS.has(label)) {
    if (label === 'utf-8' || label === 'utf8') return decodeDeclaredUtf8(bytes);
    if (iconv.encodingExists(label)) return iconv.decode(bytes, label);
    const decoder = textDecoderFor(label);
    if (decoder) return decoder.decode(bytes);
  }
  return isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'windows-1252');
}

// Text labelled UTF-8 that holds no valid multibyte sequence at all is mislabelled 8-bit text
// (Netscape 4.7 did this); with some valid sequences a stray bad byte becomes U+FFFD instead.
function decodeDeclaredUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (isUtf8(bytes)) return text;
  return /[\u0080-\ufffc\ufffe-\u{10ffff}]/u.test(text) ? text : iconv.decode(bytes, 'windows-1252');
}

function normaliseLabel(charset: string | undefined | null): string {
  if (!charset) return '';
  // RFC 2231 §5 allows a language suffix on encoded-word charsets: "us-ascii*en".
  const star = charset.indexOf('*');
  return (star >= 0 ? charset.slice(0, star) : charset).trim().replace(/^["']|["']$/g, '').toLowerCase();
}

// Node's ICU-backed TextDecoder knows the WHATWG encodings iconv-lite lacks, notably ISO-2022-JP.
function textDecoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}
