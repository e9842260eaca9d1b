/**
 * RFC 8474 object ids, shared by IMAP (EMAILID, THREADID, MAILBOXID) and JMAP (Email, Thread and Mailbox ids) so a client
 * using both sees one id per object. A letter keeps the two kinds apart and makes every id start
 * with a letter, as RFC 8620 §1.2 recommends; base 36 keeps them short.
 */
export function emailObjectId(messageId: number): string {
  return `M${messageId.toString(36)}`;
}

export function threadObjectId(threadId: number): string {
  return `T${threadId.toString(36)}`;
}

export function mailboxObjectId(mailboxId: number): string {
  return `F${mailboxId.toString(36)}`;
}

function parseObjectId(prefix: string, id: string): number | null {
  if (id.length < 2 || id[0] !== prefix || !/^[0-9a-z]+$/.test(id.slice(1))) return null;
  const value = parseInt(id.slice(1), 36);
  return Number.isSafeInteger(value) ? value : null;
}

/** The message id behind an EMAILID, or null when it is not one of ours. */
export function parseEmailObjectId(id: string): number | null {
  return parseObjectId('M', id);
}

export function parseThreadObjectId(id: string): number | null {
  return parseObjectId('T', id);
}

export function parseMailboxObjectId(id: string): number | null {
  return parseObjectId('F', id);
}
