// The addresses a user may send from, as JMAP Identities (RFC 8621 §6): one per own address and
// per address given to them with send-as or send-on-behalf, with the edits and extra identities
// they stored. The same rights the SMTP submission check uses (delivery/submission.ts).
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

import type { Database, Principal } from '../store/schema.ts';
import { addressesOf } from './recipients.ts';
import { sendableAddresses } from './shared-mailboxes.ts';

export interface EmailAddressValue {
  name: string | null;
  email: string;
}

export interface Identity {
  id: string;
  name: string;
  email: string;
  replyTo: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  textSignature: string;
  htmlSignature: string;
  mayDelete: boolean;
}

/** How the user may use an address in From: (submission.ts applies the same rules). */
export type SendRight = 'own' | 'send-as' | 'send-on-behalf';

/** Every address the principal may send from, with the right that allows it. */
export async function sendableFrom(db: Kysely<Database>, principalId: number): Promise<Map<string, SendRight>> {
  const out = new Map<string, SendRight>();
  for (const address of await addressesOf(db, principalId)) out.set(address.toLowerCase(), 'own');
  for (const [address, kinds] of await sendableAddresses(db, principalId)) {
    if (!out.has(address)) out.set(address.toLowerCase(), kinds.includes('send-as') ? 'send-as' : 'send-on-behalf');
  }
  return out;
}

/** A derived identity's id depends only on its address, so it is the same in every session. */
export function derivedIdentityId(address: string): string {
  return `A${Buffer.from(address.toLowerCase(), 'utf8').toString('base64url')}`;
}

function parseAddresses(json: string | null): EmailAddressValue[] | null {
  return json === null ? null : (JSON.parse(json) as EmailAddressValue[]);
}

/** The principal's identities: derived ones first (own addresses, then delegated), then the ones they created. */
export async function listIdentities(db: Kysely<Database>, principalId: number): Promise<Identity[]> {
  const sendable = await sendableFrom(db, principalId);
  const principal = await db.selectFrom('principals').select('display_name').where('id', '=', principalId).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('jmap_identities').selectAll().where('account_id', '=', principalId).execute();
  const stored = new Map(rows.map((r) => [r.identity_id, r]));
  const out: Identity[] = [];
  for (const [address, right] of sendable) {
    const id = derivedIdentityId(address);
    const row = stored.get(id);
    out.push({
      id,
      name: row ? row.name : right === 'own' ? principal.display_name : '',
      email: address,
      replyTo: parseAddresses(row?.reply_to ?? null),
      bcc: parseAddresses(row?.bcc ?? null),
      textSignature: row?.text_signature ?? '',
      htmlSignature: row?.html_signature ?? '',
      mayDelete: false,
    });
  }
  // An extra identity whose address the user lost the right to is hidden, not deleted: it comes back with the right.
  for (const row of rows) {
    if (row.extra !== 1 || !sendable.has(row.email)) continue;
    out.push({ id: row.identity_id, name: row.name, email: row.email, replyTo: parseAddresses(row.reply_to), bcc: parseAddresses(row.bcc), textSignature: row.text_signature, htmlSignature: row.html_signature, mayDelete: true });
  }
  return out;
}

export interface IdentityFields {
  name: string;
  replyTo: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  textSignature: string;
  htmlSignature: string;
}

/** Stores a new identity for an address the caller checked is sendable; returns its id. */
export async function createIdentity(db: Kysely<Database>, principalId: number, email: string, fields: IdentityFields): Promise<string> {
  const id = `X${randomBytes(9).toString('base64url')}`;
  await db
    .insertInto('jmap_identities')
    .values({ account_id: principalId, identity_id: id, email: email.toLowerCase(), name: fields.name, reply_to: json(fields.replyTo), bcc: json(fields.bcc), text_signature: fields.textSignature, html_signature: fields.htmlSignature, extra: 1 })
    .execute();
  return id;
}

function json(value: EmailAddressValue[] | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Saves the identity as it now is (a derived one gets its row on first edit). */
export async function saveIdentity(db: Kysely<Database>, principalId: number, identity: Identity): Promise<void> {
  const values = { name: identity.name, reply_to: json(identity.replyTo), bcc: json(identity.bcc), text_signature: identity.textSignature, html_signature: identity.htmlSignature };
  const updated = await db.updateTable('jmap_identities').set(values).where('account_id', '=', principalId).where('identity_id', '=', identity.id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await db.insertInto('jmap_identities').values({ account_id: principalId, identity_id: identity.id, email: identity.email, extra: 0, ...values }).execute();
}

export async function destroyIdentity(db: Kysely<Database>, principalId: number, id: string): Promise<void> {
  await db.deleteFrom('jmap_identities').where('account_id', '=', principalId).where('identity_id', '=', id).where('extra', '=', 1).execute();
}

/** The principal a submission is made by, as SubmissionService wants it. */
export async function senderPrincipal(db: Kysely<Database>, principalId: number): Promise<Principal> {
  return db.selectFrom('principals').selectAll().where('id', '=', principalId).executeTakeFirstOrThrow();
}
