// Which parts are the text body, the HTML body and the attachments: the algorithm of
// RFC 8621 §4.1.4 (JMAP Email textBody/htmlBody/attachments), used here for preview and
// attachments and later by JMAP itself.
import type { BodyPart } from './types.ts';
import { decodeHeaderValue } from './encoded-words.ts';

export interface PartRef {
  part: BodyPart;
  /** IMAP part number, which JMAP can use as the partId. */
  path: string;
}

export interface DisplayParts {
  textBody: PartRef[];
  htmlBody: PartRef[];
  attachments: PartRef[];
}

export function findDisplayParts(body: BodyPart): DisplayParts {
  const textBody: PartRef[] = [];
  const htmlBody: PartRef[] = [];
  const attachments: PartRef[] = [];
  const root = { part: body, path: body.type === 'multipart' ? '' : '1' };
  collect([root], 'mixed', false, htmlBody, textBody, attachments);
  return { textBody, htmlBody, attachments };
}

/** File name from Content-Disposition, else the older Content-Type "name"; encoded words decoded. */
export function partFilename(part: BodyPart): string | null {
  const name = part.disposition?.params.filename ?? part.params.name;
  if (name === undefined) return null;
  // RFC 2047 §5 forbids encoded words in quoted strings, but that is how most clients send them.
  const decoded = decodeHeaderValue(name);
  return decoded === '' ? null : decoded;
}

function mediaType(part: BodyPart): string {
  return `${part.type}/${part.subtype}`;
}

function isInlineMediaType(part: BodyPart): boolean {
  return part.type === 'image' || part.type === 'audio' || part.type === 'video';
}

// A transcription of the RFC's parseStructure(); null lists mean "stop collecting this kind".
function collect(
  parts: PartRef[],
  multipartType: string,
  inAlternative: boolean,
  htmlBodyIn: PartRef[] | null,
  textBodyIn: PartRef[] | null,
  attachments: PartRef[],
): void {
  let htmlBody = htmlBodyIn;
  let textBody = textBodyIn;
  const textLength = textBody ? textBody.length : -1;
  const htmlLength = htmlBody ? htmlBody.length : -1;
  parts.forEach((ref, i) => {
    const part = ref.part;
    const type = mediaType(part);
    const isInline =
      part.disposition?.type !== 'attachment' &&
      (type === 'text/plain' || type === 'text/html' || isInlineMediaType(part)) &&
      (i === 0 || (multipartType !== 'related' && (isInlineMediaType(part) || partFilename(part) === null)));
    if (part.type === 'multipart') {
      const children = part.parts.map((child, n) => ({ part: child, path: ref.path === '' ? String(n + 1) : `${ref.path}.${n + 1}` }));
      collect(children, part.subtype, inAlternative || part.subtype === 'alternative', htmlBody, textBody, attachments);
    } else if (isInline) {
      if (multipartType === 'alternative') {
        if (type === 'text/plain') textBody?.push(ref);
        else if (type === 'text/html') htmlBody?.push(ref);
        else attachments.push(ref);
        return;
      }
      if (inAlternative) {
        if (type === 'text/plain') htmlBody = null;
        if (type === 'text/html') textBody = null;
      }
      textBody?.push(ref);
      htmlBody?.push(ref);
      if ((!textBody || !htmlBody) && isInlineMediaType(part)) attachments.push(ref);
    } else attachments.push(ref);
  });
  if (multipartType === 'alternative' && textBody && htmlBody) {
    // Only an HTML alternative was found: it serves as the text body too, and vice versa.
    if (textLength === textBody.length && htmlLength !== htmlBody.length) textBody.push(...htmlBody.slice(htmlLength));
    if (htmlLength === htmlBody.length && textLength !== textBody.length) htmlBody.push(...textBody.slice(textLength));
  }
}
