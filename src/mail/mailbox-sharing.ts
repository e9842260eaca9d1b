// A mailbox's ACL read and written by mailbox and principal id (JMAP Mailbox.shareWith), in the
// same mailbox_acl rows IMAP GETACL/SETACL use (shared-access.ts), so both protocols see one ACL.
import type { Kysely } from 'kysely';

import type { Store } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { CHANGE_UPDATED, nextModseq, recordChanges } from './modseq.ts';

/** Each mailbox's grantees (never the owner, who holds every right implicitly) and their rights. */
export async function grantsOf(db: Kysely<Database>, mailboxIds: readonly number[]): Promise<Map<number, Map<number, string>>> {
  const result = new Map<number, Map<number, string>>();
  if (mailboxIds.length === 0) return result;
  const rows = await db.selectFrom('mailbox_acl').select(['mailbox_id', 'grantee_id', 'rights']).where('mailbox_id', 'in', [...mailboxIds]).orderBy('grantee_id').execute();
  for (const row of rows) {
    const grants = result.get(Number(row.mailbox_id)) ?? new Map<number, string>();
    grants.set(Number(row.grantee_id), row.rights);
    result.set(Number(row.mailbox_id), grants);
  }
  return result;
}

/**
 * Sets each grantee's rights on one mailbox of the account ('' takes them away). Grantees are
 * other principals of the owner's organisation, as SETACL demands. The mailbox's change is logged,
 * so Mailbox/changes reports it; returns the modseq it took.
 */
export async function setGrants(store: Store, ownerId: number, mailboxId: number, grants: ReadonlyMap<number, string>): Promise<number> {
  const db = store.db;
  const owner = await db.selectFrom('principals').select('tenant_id').where('id', '=', ownerId).executeTakeFirstOrThrow();
  const ids = [...grants.keys()];
  const known = ids.length === 0 ? [] : await db.selectFrom('principals').select(['id', 'tenant_id']).where('id', 'in', ids).execute();
  for (const id of ids) {
    const grantee = known.find((p) => Number(p.id) === id);
    if (!grantee || Number(grantee.tenant_id) !== Number(owner.tenant_id)) throw new MailError('invalid', `no such user in this organisation: ${id}`);
    if (id === ownerId) throw new MailError('invalid', 'the owner always has every right');
  }
  const modseq = await db.transaction().execute(async (trx) => {
    for (const [granteeId, rights] of grants) {
      await trx.deleteFrom('mailbox_acl').where('mailbox_id', '=', mailboxId).where('grantee_id', '=', granteeId).execute();
      if (rights !== '') await trx.insertInto('mailbox_acl').values({ mailbox_id: mailboxId, grantee_id: granteeId, rights }).execute();
    }
    const next = await nextModseq(trx, ownerId);
    await recordChanges(trx, ownerId, next, [{ type: 'Mailbox', objectId: mailboxId, op: CHANGE_UPDATED }]);
    return next;
  });
  await store.durable();
  return modseq;
}
