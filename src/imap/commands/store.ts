import { flagItems } from '../mailbox-sync.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * STORE with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3). In a shared mailbox the user's rights
 * decide which flags change (RFC 4314 §4: s for \Seen, t for \Deleted, w for the rest).
 */
export const store: Handler<CommandOf<'STORE'>> = async (session, command) => {
  const selected = session.selected!;
  if (selected.readOnly) return { status: 'NO', code: 'READ-ONLY', text: 'The mailbox is open read-only (EXAMINE)' };
  const uids = selected.resolve(command.set, command.uid);
  if (command.unchangedSince !== undefined) session.enableCondstore();
  const rights = selected.accountId === session.accountId ? undefined : selected.rights;
  const result = await session.services.mail.storeFlags(selected.accountId, selected.id, uids, command.mode, command.flags, { unchangedSince: command.unchangedSince, rights });
  for (const change of result.updated) selected.ownChanges.set(change.uid, change.modseq);
  if (!command.silent || session.condstore) {
    // Unchanged entries still get their current flags (RFC 9051 §6.4.6); silent ones only their new MODSEQ (RFC 7162 §3.1.3).
    const rows = [...result.updated, ...(command.silent ? [] : result.unchanged)].sort((a, b) => a.uid - b.uid);
    for (const row of rows) {
      const seq = selected.seqOf(row.uid);
      if (seq === 0) continue;
      const items = flagItems(session, row.uid, row.flags, row.modseq);
      session.send([seq, 'FETCH', command.silent ? ['UID', row.uid, 'MODSEQ', [row.modseq]] : command.uid || session.condstore ? items : items.slice(2)]);
    }
  }
  if (result.failed.length > 0) {
    const failedSet = command.uid ? result.failed : result.failed.map((uid) => selected.seqOf(uid)).filter((s) => s > 0);
    return { status: 'OK', code: `MODIFIED ${formatUidSet(failedSet.sort((a, b) => a - b))}`, text: 'Conditional STORE failed for some messages' };
  }
  return { status: 'OK', text: 'STORE completed' };
};
