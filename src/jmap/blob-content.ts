import { accountHasBlob } from '../mail/email-views.ts';
import { decodePartBody, parseMessage, partByPath } from '../mail/mime/index.ts';
import { blobInMailboxes } from '../mail/shared-access.ts';
import { hasUpload } from '../mail/upload-lifecycle.ts';
import { mailboxesWith, type AccountAccess } from './account-access.ts';
import type { JmapServices } from './context.ts';
import { parseBlobId } from './blob-ids.ts';

async function blobBytes(services: JmapServices, hash: string, partPath: string | null): Promise<Buffer | null> {
  const raw = await services.store.blobs.read(hash);
  if (partPath === null) return raw;
  const part = partByPath(parseMessage(raw).body, partPath);
  return part && part.type !== 'multipart' ? decodePartBody(raw, part) : null;
}

/**
 * The bytes a blob id names, if the account may read them: a message it holds, or a decoded part
 * of one. Null for anything else, including blobs of other accounts, so ids cannot be probed.
 */
export async function readAccountBlob(services: JmapServices, accountId: number, blobId: string): Promise<Buffer | null> {
  const ref = parseBlobId(blobId);
  if (!ref || !(await accountHasBlob(services.store.db, accountId, ref.hash))) return null;
  return blobBytes(services, ref.hash, ref.partPath);
}

/**
 * A blob as the principal reaches it through an account: in its own, anything the account holds;
 * in a shared one, a message in a mailbox it may read (r, RFC 8621 §2) or bytes it uploaded itself
 * (uploads stay the uploader's, so another member cannot read them). Null otherwise.
 */
export async function readBlobThrough(services: JmapServices, access: AccountAccess, principalId: number, blobId: string): Promise<Buffer | null> {
  const readable = mailboxesWith(access, 'r');
  if (readable === null) return readAccountBlob(services, access.accountId, blobId);
  const ref = parseBlobId(blobId);
  if (!ref) return null;
  const db = services.store.db;
  if (!(await blobInMailboxes(db, access.accountId, readable, ref.hash)) && !(await hasUpload(db, principalId, ref.hash))) return null;
  return blobBytes(services, ref.hash, ref.partPath);
}
