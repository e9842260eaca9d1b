import { decodePartBody, partByPath, type BodyPart } from '../mail/mime/index.ts';
import type { Section } from './proto/types.ts';

/** Transfer encodings BINARY can undo (RFC 3516 §4.2: anything else is NO [UNKNOWN-CTE]). */
const DECODABLE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

export class UnknownTransferEncoding extends Error {}

/** The part a section number names; the message root for an empty path. Null when there is none. */
function partAt(root: BodyPart, path: number[]): BodyPart | null {
  return path.length === 0 ? root : partByPath(root, path.join('.'));
}

/**
 * The bytes of a BODY[section] (RFC 9051 §6.4.5). A section that does not exist is empty, as
 * Dovecot and Cyrus answer, rather than an error the client cannot act on.
 */
export function sectionBytes(raw: Buffer, root: BodyPart, section: Section): Buffer {
  const part = partAt(root, section.part);
  if (!part) return Buffer.alloc(0);
  if (!section.text) return section.part.length === 0 ? raw : raw.subarray(part.bodyStart, part.end);
  if (section.text === 'MIME') return section.part.length === 0 ? Buffer.alloc(0) : raw.subarray(part.headerStart, part.bodyStart);
  // HEADER and TEXT of a numbered part only make sense for an encapsulated message.
  const message = section.part.length === 0 ? part : part.message?.body;
  if (!message) return Buffer.alloc(0);
  const header = raw.subarray(message.headerStart, message.bodyStart);
  switch (section.text) {
    case 'HEADER':
      return header;
    case 'TEXT':
      return raw.subarray(message.bodyStart, message.end);
    case 'HEADER.FIELDS':
      return filterHeaderFields(header, section.fields ?? [], false);
    case 'HEADER.FIELDS.NOT':
      return filterHeaderFields(header, section.fields ?? [], true);
  }
}

/** Keeps (or drops) whole fields, continuation lines included, and ends with the blank line. */
export function filterHeaderFields(header: Buffer, names: string[], exclude: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const kept: Buffer[] = [];
  let keep = false;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(10, start);
    end = end === -1 ? header.length : end + 1;
    const line = header.subarray(start, end);
    const first = line[0];
    if (first === 13 || first === 10) break;
    if (first !== 32 && first !== 9) {
      const colon = line.indexOf(58);
      const name = colon > 0 ? line.subarray(0, colon).toString('latin1').trim().toLowerCase() : '';
      keep = wanted.has(name) !== exclude && colon > 0;
    }
    if (keep) kept.push(line.at(-1) === 10 && line.at(-2) !== 13 ? Buffer.concat([line.subarray(0, -1), CRLF]) : line);
    start = end;
  }
  kept.push(CRLF);
  return Buffer.concat(kept);
}

const CRLF = Buffer.from('\r\n');

/** BINARY[part]: the part's content with its transfer encoding undone. */
export function binaryBytes(raw: Buffer, root: BodyPart, path: number[]): Buffer {
  if (path.length === 0) return raw;
  const part = partAt(root, path);
  if (!part) return Buffer.alloc(0);
  if (part.type === 'multipart') return raw.subarray(part.bodyStart, part.end);
  if (!DECODABLE.has(part.encoding)) throw new UnknownTransferEncoding(`Cannot decode the ${part.encoding} transfer encoding`);
  return decodePartBody(raw, part);
}
