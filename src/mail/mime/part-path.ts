// IMAP part numbers (RFC 9051 §6.4.5 "BODY[<section>]"): children of a multipart are numbered
// from 1; a non-multipart message has one part, "1"; the parts of an encapsulated message are
// numbered inside its message/rfc822 part ("3.1", "3.2") as if it were a message on its own.
import type { BodyPart } from './types.ts';

/** The part an IMAP section number names, or null when there is none. */
export function partByPath(body: BodyPart, path: string): BodyPart | null {
  const numbers = path.split('.').map((s) => (/^[1-9]\d*$/.test(s) ? Number(s) : NaN));
  if (numbers.some(Number.isNaN)) return null;
  let container = body;
  let isMessageRoot = true;
  let found: BodyPart | null = null;
  for (const n of numbers) {
    let picked: BodyPart | undefined;
    if (container.type === 'multipart') picked = container.parts[n - 1];
    else if (isMessageRoot && n === 1) picked = container;
    if (!picked) return null;
    found = picked;
    if (picked.message) {
      // The next number counts inside the encapsulated message.
      container = picked.message.body;
      isMessageRoot = true;
    } else {
      container = picked;
      isMessageRoot = false;
    }
  }
  return found;
}

/** `parent` is the multipart holding the part, null for the root of a (encapsulated) message. */
export type PartVisitor = (part: BodyPart, path: string, parent: BodyPart | null) => void;

/**
 * Visit every part that has an IMAP part number, in order, with that number. Multipart
 * containers are visited too (they have numbers except at a message root); the encapsulated
 * message's root is visited only when it is not a multipart, since it then is part "N.1".
 */
export function walkParts(body: BodyPart, visit: PartVisitor): void {
  walkMessage(body, '', visit);
}

function walkMessage(root: BodyPart, prefix: string, visit: PartVisitor): void {
  if (root.type === 'multipart') walkChildren(root, prefix, visit);
  else walkPart(root, prefix === '' ? '1' : `${prefix}.1`, null, visit);
}

function walkChildren(multipart: BodyPart, prefix: string, visit: PartVisitor): void {
  multipart.parts.forEach((child, i) => walkPart(child, prefix === '' ? String(i + 1) : `${prefix}.${i + 1}`, multipart, visit));
}

function walkPart(part: BodyPart, path: string, parent: BodyPart | null, visit: PartVisitor): void {
  visit(part, path, parent);
  if (part.type === 'multipart') walkChildren(part, path, visit);
  else if (part.message) walkMessage(part.message.body, path, visit);
}
