import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

const generate = promisify(generateKeyPair);

export interface DkimKey {
  selector: string;
  algorithm: string;
  privateKey: string;
  publicKey: string;
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

export async function activeDkimKey(db: Kysely<Database>, domainId: number): Promise<DkimKey | null> {
  const row = await db
    .selectFrom('dkim_keys')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('active', '=', 1)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row ? { selector: row.selector, algorithm: row.algorithm, privateKey: row.private_key, publicKey: row.public_key } : null;
}

/** The TXT record value to publish at `<selector>._domainkey.<domain>`. */
export function dkimTxtRecord(key: Pick<DkimKey, 'publicKey'>): string {
  return `v=DKIM1; k=rsa; p=${key.publicKey}`;
}
