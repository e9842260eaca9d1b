// A part's body as bytes or text: transfer encoding undone, then its charset (RFC 2045 §6, §5.1).
import type { BodyPart } from './types.ts';
import { decodeTransferEncoding } from './transfer-encoding.ts';
import { decodeCharset } from './charset.ts';

/** The body of `part` with base64, quoted-printable or uuencode undone. */
export function decodePartBody(raw: Buffer, part: BodyPart): Buffer {
  return decodeTransferEncoding(raw.subarray(part.bodyStart, part.end), part.encoding);
}

/** The body of `part` as text, in its declared charset (UTF-8 then Latin-1 when unknown). */
export function decodeText(raw: Buffer, part: BodyPart): string {
  return decodeCharset(decodePartBody(raw, part), part.params.charset);
}

/**
 * The text of roughly the first `maxBytes` of the encoded body, for previews and the search
 * index, so a huge text part is never decoded whole. The cut falls on a line end, where neither
 * a base64 quantum nor a quoted-printable escape can be split.
 */
export function decodeTextPrefix(raw: Buffer, part: BodyPart, maxBytes: number): string {
  let end = part.end;
  if (end - part.bodyStart > maxBytes) {
    end = part.bodyStart + maxBytes;
    const lastLineEnd = raw.lastIndexOf(0x0a, end - 1);
    if (lastLineEnd > part.bodyStart) end = lastLineEnd + 1;
  }
  return decodeCharset(decodeTransferEncoding(raw.subarray(part.bodyStart, end), part.encoding), part.params.charset);
}
