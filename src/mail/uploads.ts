import { referenceBlob, releaseBlob, sha256Hex } from '../store/blob-store.ts';
import type { Store } from '../store/database.ts';

/** RFC 8620 §6.1: an upload need only last until used; a day is ample for any client. */
export const UPLOAD_LIFETIME_MS = 24 * 3600_000;
const EXPIRE_PER_UPLOAD = 100;

/**
 * Stores uploaded bytes as a blob owned by the account. The upload row holds one reference, so
 * the blob sweeper keeps the bytes until the upload expires; a message made from them (Email/import)
 * takes its own reference. Each upload also retires a few expired ones, releasing theirs.
 * Returns the blob's hash.
 */
export async function storeUpload(store: Store, accountId: number, bytes: Buffer, now = Date.now()): Promise<string> {
  const hash = sha256Hex(bytes);
  await store.blobs.persist(hash, bytes);
  await store.db.transaction().execute(async (trx) => {
    const expired = await trx.selectFrom('jmap_uploads').select(['account_id', 'blob_hash']).where('created_at', '<', now - UPLOAD_LIFETIME_MS).limit(EXPIRE_PER_UPLOAD).execute();
    for (const row of expired) {
      await trx.deleteFrom('jmap_uploads').where('account_id', '=', row.account_id).where('blob_hash', '=', row.blob_hash).execute();
      await releaseBlob(trx, row.blob_hash);
    }
    const renewed = await trx.updateTable('jmap_uploads').set({ created_at: now }).where('account_id', '=', accountId).where('blob_hash', '=', hash).executeTakeFirst();
    if (Number(renewed.numUpdatedRows) > 0) return;
    await referenceBlob(trx, store.blobs, hash, bytes);
    await trx.insertInto('jmap_uploads').values({ account_id: accountId, blob_hash: hash, size: bytes.byteLength, created_at: now }).execute();
  });
  await store.durable();
  return hash;
}
