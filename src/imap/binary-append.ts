import { parseMessage, walkParts, type BodyPart } from '../mail/mime/index.ts';

/**
 * RFC 3516 §4.3: a message APPENDed as binary (`~{n}`) may hold NUL bytes, which a BODY[] reply
 * can never carry. Every leaf part whose body has a NUL is re-encoded as base64 (its header gets
 * `Content-Transfer-Encoding: base64`), so the stored message is plain MIME that any client can
 * fetch, and BINARY[] still returns the original bytes. Messages without NUL are kept as sent.
 */
export function encodeBinaryParts(raw: Buffer): Buffer {
  if (!raw.includes(0)) return raw;
  const leaves: BodyPart[] = [];
  walkParts(parseMessage(raw).body, (part) => {
    if (part.type !== 'multipart' && !part.message && raw.subarray(part.bodyStart, part.end).includes(0)) leaves.push(part);
  });
  if (leaves.length === 0) return raw;
  const pieces: Buffer[] = [];
  let at = 0;
  for (const part of leaves.sort((a, b) => a.headerStart - b.headerStart)) {
    pieces.push(raw.subarray(at, part.headerStart));
    pieces.push(withBase64Encoding(raw.subarray(part.headerStart, part.bodyStart)));
    pieces.push(base64Lines(raw.subarray(part.bodyStart, part.end)));
    at = part.end;
  }
  pieces.push(raw.subarray(at));
  return Buffer.concat(pieces);
}

/** The part's header with its Content-Transfer-Encoding field replaced by (or given) base64. */
function withBase64Encoding(header: Buffer): Buffer {
  const text = header.toString('latin1');
  const field = /^content-transfer-encoding:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n/im;
  if (field.test(text)) return Buffer.from(text.replace(field, 'Content-Transfer-Encoding: base64\r\n'), 'latin1');
  // No such field: add it just before the blank line that ends the header.
  const blank = text.endsWith('\r\n') ? text.length - 2 : text.endsWith('\n') ? text.length - 1 : text.length;
  return Buffer.from(`${text.slice(0, blank)}Content-Transfer-Encoding: base64\r\n${text.slice(blank)}`, 'latin1');
}

/** RFC 2045 §6.8: at most 76 characters per line. */
function base64Lines(body: Buffer): Buffer {
  const encoded = body.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
