import { sql, type Kysely } from 'kysely';

import type { DialectName } from '../dialect.ts';

/**
 * What IMAP needs beyond the first schema: the References chain for THREAD=REFERENCES, and indexes
 * for STATUS counts and QRESYNC's VANISHED.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  // The message's RFC 5256 §4 parent chain (References, or In-Reply-To when it has none), ids
  // space-separated. NULL for rows delivered before this column existed: threading then reads
  // their header bytes instead.
  await sql`alter table messages add column refs text`.execute(db);
  // STATUS UNSEEN/DELETED counts read only this index, never the rows.
  await sql`create index mailbox_entries_flags on mailbox_entries (mailbox_id, flags)`.execute(db);
  await sql`create index expunged_entries_modseq on expunged_entries (mailbox_id, modseq)`.execute(db);
}
