import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { DirectoryError } from './errors.ts';

const generate = promisify(generateKeyPair);

export interface DkimKey {
  selector: string;
  algorithm: string;
  privateKey: string;
  publicKey: string;
}

/**
 * Key rotation (RFC 6376 §3.1 and the M3AAWG DKIM key rotation practice): a new key gets a new
 * selector and is published next to the signing one; it signs only once its DNS record has had
 * time to reach every resolver, i.e. when the admin activates it or, unless asked otherwise, after
 * ROTATION_GRACE_MS; the key it replaces then stays published for RETIRE_GRACE_MS so that mail
 * signed with it (queued, retried, forwarded) still verifies, and is deleted after that.
 */
export const ROTATION_GRACE_MS = 48 * 3_600_000;
export const RETIRE_GRACE_MS = 7 * 24 * 3_600_000;

/** `pending`: published, not signing yet. `active`: signs. `retiring`: published, no longer signs. */
export type DkimKeyState = 'pending' | 'active' | 'retiring';

/** A key as admins see it: never the private half. */
export interface DkimKeyInfo {
  selector: string;
  algorithm: string;
  state: DkimKeyState;
  /** The TXT record value published at `<selector>._domainkey.<domain>`. */
  record: string;
  createdAt: number;
  /** A pending key: when it starts to sign by itself (null: only when activated). */
  activateAt: number | null;
  /** A retiring key: when it is unpublished and deleted. */
  retireAt: number | null;
}

/** A selector that names when the key was made, so a rotated key gets a new DNS name (RFC 6376 §3.1). */
export function selectorFor(date: Date): string {
  return `petrel${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** RSA 2048: what every verifier accepts (Ed25519 per RFC 8463 is still not universally checked). */
export async function generateDkimKey(selector: string): Promise<DkimKey> {
  const { privateKey, publicKey } = await generate('rsa', { modulusLength: 2048 });
  return {
    selector,
    algorithm: 'rsa-sha256',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/**
 * Makes the key `selector` the signing one: every other active or pending key of the domain
 * becomes retiring (published until `now + RETIRE_GRACE_MS`).
 */
async function activate(db: Kysely<Database>, domainId: number, selector: string, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('dkim_keys').set({ active: 1, activate_at: null, retire_at: null }).where('domain_id', '=', domainId).where('selector', '=', selector).execute();
    await trx
      .updateTable('dkim_keys')
      .set({ active: 0, activate_at: null, retire_at: now + RETIRE_GRACE_MS })
      .where('domain_id', '=', domainId)
      .where('selector', '!=', selector)
      .where('retire_at', 'is', null)
      .execute();
  });
}

/**
 * Applies what time has decided: a pending key whose grace is over becomes the signing key, and
 * retiring keys past their date are deleted. Done whenever the keys are read, so no scheduler is
 * needed and every node sees the same state; repeating it is harmless.
 */
export async function settleDkimKeys(db: Kysely<Database>, domainId: number, now = Date.now()): Promise<void> {
  const due = await db
    .selectFrom('dkim_keys')
    .select('selector')
    .where('domain_id', '=', domainId)
    .where('active', '=', 0)
    .where('retire_at', 'is', null)
    .where('activate_at', '<=', now)
    .orderBy('activate_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (due) await activate(db, domainId, due.selector, now);
  await db.deleteFrom('dkim_keys').where('domain_id', '=', domainId).where('retire_at', '<=', now).execute();
}

/** The key outgoing mail of the domain is signed with. */
export async function activeDkimKey(db: Kysely<Database>, domainId: number): Promise<DkimKey | null> {
  await settleDkimKeys(db, domainId);
  const row = await db
    .selectFrom('dkim_keys')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('active', '=', 1)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? { selector: row.selector, algorithm: row.algorithm, privateKey: row.private_key, publicKey: row.public_key } : null;
}

/** Every key that must be in DNS now: the signing one, pending ones and retiring ones, oldest first. */
export async function publishedDkimKeys(db: Kysely<Database>, domainId: number): Promise<DkimKeyInfo[]> {
  await settleDkimKeys(db, domainId);
  const rows = await db.selectFrom('dkim_keys').selectAll().where('domain_id', '=', domainId).orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({
    selector: row.selector,
    algorithm: row.algorithm,
    state: row.active === 1 ? 'active' : row.retire_at !== null ? 'retiring' : 'pending',
    record: dkimTxtRecord({ publicKey: row.public_key }),
    createdAt: Number(row.created_at),
    activateAt: row.activate_at === null ? null : Number(row.activate_at),
    retireAt: row.retire_at === null ? null : Number(row.retire_at),
  }));
}

/** A selector not yet used by the domain: `petrelYYYYMMDD`, with a letter added for a second one that day. */
async function freshSelector(db: Kysely<Database>, domainId: number, now: Date): Promise<string> {
  const day = `petrel${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}`;
  const used = new Set((await db.selectFrom('dkim_keys').select('selector').where('domain_id', '=', domainId).execute()).map((r) => r.selector));
  if (!used.has(day)) return day;
  for (let i = 0; i < 26; i++) {
    const candidate = `${day}${String.fromCharCode(97 + i)}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new DirectoryError('conflict', 'too many DKIM keys made today; activate or retire some first', 'selector');
}

/**
 * Starts a rotation: a new key, published at once, signing after `activateAfterMs` (default
 * ROTATION_GRACE_MS) or, with null, only when activated. A pending key made earlier is replaced.
 */
export async function rotateDkimKey(db: Kysely<Database>, domainId: number, options: { activateAfterMs?: number | null } = {}): Promise<DkimKeyInfo> {
  const after = options.activateAfterMs === undefined ? ROTATION_GRACE_MS : options.activateAfterMs;
  if (after !== null && (!Number.isFinite(after) || after < 0)) throw new DirectoryError('invalid', 'the grace period must be 0 or more', 'activateAfter');
  await settleDkimKeys(db, domainId);
  const now = new Date();
  const key = await generateDkimKey(await freshSelector(db, domainId, now));
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dkim_keys').where('domain_id', '=', domainId).where('active', '=', 0).where('retire_at', 'is', null).execute();
    await trx
      .insertInto('dkim_keys')
      .values({ domain_id: domainId, selector: key.selector, algorithm: key.algorithm, private_key: key.privateKey, public_key: key.publicKey, active: 0, created_at: now.getTime(), activate_at: after === null ? null : now.getTime() + after, retire_at: null })
      .execute();
  });
  const info = (await publishedDkimKeys(db, domainId)).find((k) => k.selector === key.selector);
  if (!info) throw new DirectoryError('conflict', `the new DKIM key ${key.selector} was replaced meanwhile`, 'selector');
  return info;
}

/** Makes a pending (or retiring) key sign now; the one it replaces starts retiring. */
export async function activateDkimKey(db: Kysely<Database>, domainId: number, selector: string): Promise<void> {
  await settleDkimKeys(db, domainId);
  const row = await db.selectFrom('dkim_keys').select('active').where('domain_id', '=', domainId).where('selector', '=', selector).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such DKIM key: ${selector}`, 'selector');
  if (row.active === 1) return;
  await activate(db, domainId, selector, Date.now());
}

/** Unpublishes a key that no longer signs now, without waiting for its retire date. */
export async function retireDkimKey(db: Kysely<Database>, domainId: number, selector: string): Promise<void> {
  await settleDkimKeys(db, domainId);
  const row = await db.selectFrom('dkim_keys').select('active').where('domain_id', '=', domainId).where('selector', '=', selector).executeTakeFirst();
  if (!row) throw new DirectoryError('not_found', `no such DKIM key: ${selector}`, 'selector');
  if (row.active === 1) throw new DirectoryError('invalid', `${selector} is the signing key; rotate and activate a new one first`, 'selector');
  await db.deleteFrom('dkim_keys').where('domain_id', '=', domainId).where('selector', '=', selector).execute();
}

/** The TXT record value to publish at `<selector>._domainkey.<domain>`. */
export function dkimTxtRecord(key: Pick<DkimKey, 'publicKey'>): string {
  return `v=DKIM1; k=rsa; p=${key.publicKey}`;
}
