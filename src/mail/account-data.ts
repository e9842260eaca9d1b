import type { Kysely } from 'kysely';

import { releaseBlob } from '../store/blob-store.ts';
import type { Database } from '../store/schema.ts';

/**
 * Before an account is deleted (its rows go by cascade), give back its references to shared
 * blobs, which may still be used by other accounts' copies of the same message.
 */
export async function releaseAccountBlobs(trx: Kysely<Database>, accountId: number): Promise<void> {
  const rows = await trx.selectFrom('messages').select('blob_hash').where('account_id', '=', accountId).execute();
  for (const row of rows) await releaseBlob(trx, row.blob_hash);
}
