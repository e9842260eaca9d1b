import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';

import { FixedShapeQuery } from './fixed-shape-query.ts';
import type { Database } from './schema.ts';

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Message content, addressed by its SHA-256. The `blobs` table always holds the reference count;
 * the bytes live in the table itself (always in scale-out, where every node must see them; for
 * small messages when embedded) or in files under the data dir (large messages, embedded). Writers call `persist` before their transaction and
 * `contentForRow` inside it, so the row and the bytes become durable in that order.
 */
export interface BlobStore {
  persist(hash: string, data: Uint8Array): Promise<void>;
  /** What to put in `blobs.data` when inserting the row. */
  contentForRow(data: Uint8Array): Uint8Array | null;
  read(hash: string): Promise<Buffer>;
  /** Removes the bytes kept outside the row, if any; called only with the row deleted in the same transaction. */
  discard(hash: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(hash: string) {
    super(`blob ${hash} not found`);
  }
}

/**
 * Embedded mode: small messages (most mail) go into the `blobs` row itself, so the WAL fsync that
 * commits the delivery also makes the bytes durable; large ones are files under the data dir,
 * written and fsync'd before the transaction that references them.
 */
export class EmbeddedBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();
  private tmpCounter = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly root: string,
    private readonly inlineLimit = 128 * 1024,
  ) {
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  private pathOf(hash: string): { dir: string; file: string } {
    const dir = join(this.root, hash.slice(0, 2), hash.slice(2, 4));
    return { dir, file: join(dir, hash) };
  }

  /**
   * Write to a temporary file, fsync it, rename into place and fsync the directory: after a
   * crash the final name either does not exist or holds the complete content.
   */
  async persist(hash: string, data: Uint8Array): Promise<void> {
    if (data.byteLength <= this.inlineLimit) return;
    const { dir, file } = this.pathOf(hash);
    try {
      const existing = await stat(file);
      if (existing.size === data.byteLength) return;
    } catch {
      // Not there yet: write it.
    }
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    const tmp = join(this.tmpDir, `${process.pid}-${++this.tmpCounter}-${hash.slice(0, 16)}`);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  contentForRow(data: Uint8Array): Uint8Array | null {
    return data.byteLength <= this.inlineLimit ? data : null;
  }

  async discard(hash: string): Promise<void> {
    try {
      await unlink(this.pathOf(hash).file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async read(hash: string): Promise<Buffer> {
    const row = await this.db.selectFrom('blobs').select('data').where('hash', '=', hash).executeTakeFirst();
    if (!row) throw new BlobNotFoundError(hash);
    if (row.data) return Buffer.from(row.data);
    try {
      return await readFile(this.pathOf(hash).file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(hash);
      throw err;
    }
  }
}

export class DatabaseBlobStore implements BlobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async persist(): Promise<void> {
    // The bytes go in with the row, inside the caller's transaction.
  }

  contentForRow(data: Uint8Array): Uint8Array {
    return data;
  }

  async discard(): Promise<void> {
    // The bytes are the row's and went with it.
  }

  async read(hash: string): Promise<Buffer> {
    const row = await this.db.selectFrom('blobs').select('data').where('hash', '=', hash).executeTakeFirst();
    if (!row || !row.data) throw new BlobNotFoundError(hash);
    return Buffer.from(row.data);
  }

}

// Every delivery runs it; compiled once per dialect (fixed-shape-query.ts).
const addReference = new FixedShapeQuery<{ hash: string; size: number; data: Uint8Array | null; createdAt: number }, { refcount: number }>((db, param) =>
  db
    .insertInto('blobs')
    .values({ hash: param('hash'), size: param('size'), refcount: 1, data: param('data'), created_at: param('createdAt') })
    .onConflict((oc) => oc.column('hash').doUpdateSet({ refcount: sql`blobs.refcount + 1` }))
    .returning('refcount'),
);

/**
 * Adds one reference to a blob, inserting its row the first time it is seen. A blob taken from
 * zero (new, or unreferenced and perhaps just swept) has its bytes written again if they are not
 * there: `persist` ran before this transaction and a sweep may have removed the file since.
 */
export async function referenceBlob(trx: Kysely<Database>, blobs: BlobStore, hash: string, data: Uint8Array): Promise<void> {
  const content = blobs.contentForRow(data);
  const row = await addReference.executeTakeFirst(trx, { hash, size: data.byteLength, data: content, createdAt: Date.now() });
  if (!row) throw new Error(`referencing blob ${hash} returned no row`);
  if (Number(row.refcount) === 1 && content === null) await blobs.persist(hash, data);
}

/**
 * Deletes blobs nothing references any more, their rows and their files, in one write
 * transaction so no delivery can take one of them back from zero half-way; `referenceBlob`
 * rewrites the bytes of any blob it revives. Returns how many went.
 */
export async function sweepBlobs(db: Kysely<Database>, blobs: BlobStore, batch = 1000): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('blobs').select('hash').where('refcount', '<=', 0).limit(batch).execute();
    if (rows.length === 0) return 0;
    const hashes = rows.map((r) => r.hash);
    await trx.deleteFrom('blobs').where('hash', 'in', hashes).where('refcount', '<=', 0).execute();
    for (const hash of hashes) await blobs.discard(hash);
    return hashes.length;
  });
}

/** Drops one reference. A blob at zero keeps its row and bytes until `sweepBlobs` runs. */
export async function releaseBlob(trx: Kysely<Database>, hash: string): Promise<void> {
  await trx.updateTable('blobs').set({ refcount: sql`refcount - 1` }).where('hash', '=', hash).execute();
}
