import { accountHasBlob } from '../mail/email-views.ts';
import { decodePartBody, parseMessage, partByPath } from '../mail/mime/index.ts';
import type { JmapServices } from './context.ts';
import { parseBlobId } from './blob-ids.ts';

/**
 * The bytes a blob id names, if the account may read them: a message it holds, or a decoded part
 * of one. Null for anything else, including blobs of other accounts, so ids cannot be probed.
 */
export async function readAccountBlob(services: JmapServices, accountId: number, blobId: string): Promise<Buffer | null> {
  const ref = parseBlobId(blobId);
  if (!ref || !(await accountHasBlob(services.store.db, accountId, ref.hash))) return null;
  const raw = await services.store.blobs.read(ref.hash);
  if (ref.partPath === null) return raw;
  const part = partByPath(parseMessage(raw).body, ref.partPath);
  return part && part.type !== 'multipart' ? decodePartBody(raw, part) : null;
}
