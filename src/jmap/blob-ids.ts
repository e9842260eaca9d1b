/**
 * JMAP blob ids (RFC 8620 §6): `B` and the SHA-256 of a stored message, or of an upload; a body
 * part adds `_` and its IMAP part number with `-` for `.` (ids allow only [A-Za-z0-9_-]).
 */
export interface BlobRef {
  hash: string;
  /** IMAP part number inside the message, or null for the whole blob. */
  partPath: string | null;
}

export function blobIdOf(hash: string, partPath: string | null = null): string {
  return partPath === null ? `B${hash}` : `B${hash}_${partPath.replace(/\./g, '-')}`;
}

export function parseBlobId(id: string): BlobRef | null {
  const match = /^B([0-9a-f]{64})(?:_([1-9][0-9]*(?:-[1-9][0-9]*)*))?$/.exec(id);
  if (!match) return null;
  return { hash: match[1], partPath: match[2] === undefined ? null : match[2].replace(/-/g, '.') };
}
