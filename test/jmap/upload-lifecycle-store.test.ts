// Upload housekeeping on both store dialects: expired uploads are released by the periodic pass
// (not only by the next upload), the blob keeps its bytes while a message still uses them, and
// pending uploads count against the quota.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { MailError } from '../../src/mail/errors.ts';
import { expireUploads, hasUpload, requireUploadRoom } from '../../src/mail/upload-lifecycle.ts';
import { storeUpload, UPLOAD_LIFETIME_MS } from '../../src/mail/uploads.ts';
import { sha256Hex } from '../../src/store/blob-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

forEachDialect('JMAP upload lifecycle', (fixture) => {
  let store: Store;
  let owner: number;

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'up.test');
    owner = (await addUser(store.db, { address: 'owner@up.test', password: 'pw-owner-12345', quotaBytes: 10_000 })).id;
  });
  after(async () => {
    await store?.close();
    await fixture().cleanup();
  });

  const refcount = async (hash: string) => Number((await store.db.selectFrom('blobs').select('refcount').where('hash', '=', hash).executeTakeFirst())?.refcount ?? 0);

  test('expireUploads releases uploads past their lifetime and keeps the fresh ones', async () => {
    const now = Date.now();
    // The fresh one first: an upload also retires what is expired at its own time.
    const fresh = await storeUpload(store, owner, Buffer.from('fresh upload'), now);
    const stale = await storeUpload(store, owner, Buffer.from('stale upload'), now - UPLOAD_LIFETIME_MS - 1000);
    assert.equal(await refcount(stale), 1);
    assert.equal(await expireUploads(store, now), 1);
    assert.equal(await hasUpload(store.db, owner, stale), false);
    assert.equal(await refcount(stale), 0, 'the blob sweeper may now take the bytes');
    assert.equal(await hasUpload(store.db, owner, fresh), true);
    assert.equal(await expireUploads(store, now), 0);
  });

  test('requireUploadRoom counts pending uploads beside stored mail; the same bytes again are free', async () => {
    const big = Buffer.alloc(6000, 'x');
    await requireUploadRoom(store.db, owner, sha256Hex(big), big.length);
    const hash = await storeUpload(store, owner, big);
    await requireUploadRoom(store.db, owner, hash, big.length);
    const other = Buffer.alloc(6000, 'y');
    await assert.rejects(requireUploadRoom(store.db, owner, sha256Hex(other), other.length), (err: unknown) => err instanceof MailError && err.code === 'over_quota');
  });
});
