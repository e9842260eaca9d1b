// Whether a message "has attachments" (the paperclip: IMAP $HasAttachment of RFC 8457, JMAP
// Email.hasAttachment) and the list of them.
import type { AttachmentInfo, BodyPart } from './types.ts';
import { partFilename, type PartRef } from './display-parts.ts';

/**
 * True when a part is marked as an attachment, or is a non-text leaf other than an image
 * embedded in multipart/related (which the HTML shows in place). An encapsulated message
 * counts as one leaf. The protocol parts of RFC 1847 security multiparts (the signature of
 * multipart/signed, the control part of multipart/encrypted) are not something a user opens.
 */
export function hasAttachment(body: BodyPart): boolean {
  return containsAttachment(body, null, -1);
}

function containsAttachment(part: BodyPart, parent: BodyPart | null, index: number): boolean {
  if (parent && isSecurityProtocolPart(parent, index)) return false;
  if (part.disposition?.type === 'attachment') return true;
  if (part.type === 'multipart') return part.parts.some((child, i) => containsAttachment(child, part, i));
  if (part.type === 'text') return false;
  const embeddedImage = part.type === 'image' && parent?.subtype === 'related';
  return !embeddedImage;
}

function isSecurityProtocolPart(parent: BodyPart, index: number): boolean {
  return (parent.subtype === 'signed' && index === 1) || (parent.subtype === 'encrypted' && index === 0);
}

export function describeAttachments(refs: PartRef[]): AttachmentInfo[] {
  return refs.map(({ part, path }) => ({
    partPath: path,
    filename: partFilename(part),
    type: `${part.type}/${part.subtype}`,
    size: part.size,
  }));
}
