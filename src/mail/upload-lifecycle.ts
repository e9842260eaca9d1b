import type { Kysely } from 'kysely';

import { releaseBlob } from '../store/blob-store.ts';
import type { Store } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { UPLOAD_LIFETIME_MS } from './uploads.ts';

const EXPIRE_BATCH = 500;

/**
 * Retires every upload older than its lifetime (RFC 8620 §6.1), releasing its blob reference so the
 * blob sweeper can take the bytes. Runs in batches so one pass never holds the write lock for long;
 * returns how many went.
 */
export async function expireUploads(store: Store, now = Date.now()): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await store.db.transaction().execute(async (trx) => {
      const expired = await trx.selectFrom('jmap_uploads').select(['account_id', 'blob_hash']).where('created_at', '<', now - UPLOAD_LIFETIME_MS).limit(EXPIRE_BATCH).execute();
      for (const row of expired) {
        await trx.deleteFrom('jmap_uploads').where('account_id', '=', row.account_id).where('blob_hash', '=', row.blob_hash).execute();
        await releaseBlob(trx, row.blob_hash);
      }
      return expired.length;
    });
    total += done;
    if (done < EXPIRE_BATCH) return total;
  }
}

/** Whether the account uploaded these bytes and the upload has not expired yet. */
export async function hasUpload(db: Kysely<Database>, accountId: number, hash: string): Promise<boolean> {
  const row = await db.selectFrom('jmap_uploads').select('blob_hash').where('account_id', '=', accountId).where('blob_hash', '=', hash).executeTakeFirst();
  return row !== undefined;
}

/**
 * Refuses an upload that would take the account over its quota (RFC 8620 §6.1): pending uploads
 * count beside the stored mail, so a client cannot park unlimited bytes in uploads it never uses.
 * A re-upload of bytes the account holds as an upload already costs nothing more.
 */
export async function requireUploadRoom(db: Kysely<Database>, accountId: number, hash: string, size: number): Promise<void> {
  const principal = await db.selectFrom('principals').select(['used_bytes', 'quota_bytes']).where('id', '=', accountId).executeTakeFirst();
  if (!principal || Number(principal.quota_bytes) === 0) return;
  if (await hasUpload(db, accountId, hash)) return;
  const pending = await db.selectFrom('jmap_uploads').select((eb) => eb.fn.sum<number | string | null>('size').as('bytes')).where('account_id', '=', accountId).executeTakeFirst();
  const used = Number(principal.used_bytes) + Number(pending?.bytes ?? 0);
  if (used + size > Number(principal.quota_bytes)) {
    throw new MailError('over_quota', `the upload (${size} bytes) would exceed the account's quota of ${principal.quota_bytes} bytes (${used} in use, pending uploads included)`);
  }
}
