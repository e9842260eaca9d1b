import { formatUidSet } from './proto/sequence-set.ts';
import { flagList, type ImapValue } from './proto/serializer.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';
import type { ImapSession } from './session.ts';

/** The FETCH items that report an entry's flags, with MODSEQ once CONDSTORE is on (RFC 7162 §3.1.4). */
export function flagItems(session: ImapSession, uid: number, flags: string[], modseq: number): ImapValue[] {
  session.noteFlags(flags);
  const shown = session.selected?.recent.has(uid) && !session.rev2 ? [...flags, '\\Recent'] : flags;
  const items: ImapValue[] = ['UID', uid, 'FLAGS', flagList(shown)];
  if (session.condstore) items.push('MODSEQ', [modseq]);
  return items;
}

/**
 * Tells the client that these UIDs are gone from the selected mailbox and forgets them: one
 * VANISHED under QRESYNC (RFC 7162 §3.2.10), else EXPUNGE highest first, so each reported
 * sequence number is still valid when the client reads it.
 */
export function announceExpunged(session: ImapSession, selected: SelectedMailbox, uids: number[]): void {
  const gone = [...uids].sort((a, b) => a - b).filter((uid) => selected.seqOf(uid) > 0);
  if (gone.length === 0) return;
  if (session.qresync) {
    for (const uid of gone) selected.remove(uid);
    session.send(['VANISHED', { raw: formatUidSet(gone) }]);
    return;
  }
  for (const uid of gone.reverse()) session.send([selected.remove(uid), 'EXPUNGE']);
}

/**
 * Reports what others changed in the selected mailbox since the session last looked: expunges
 * (EXPUNGE, or VANISHED under QRESYNC) when allowed, new messages (EXISTS), and flag changes
 * (FETCH). Flag changes the session made itself were answered already and are skipped.
 */
export async function announceChanges(session: ImapSession, selected: SelectedMailbox, allowExpunge: boolean): Promise<void> {
  const { mail } = session.services;
  const since = selected.knownModseq;
  const changes = await mail.changesSince(selected.accountId, selected.id, since);
  if (session.selected !== selected) return;

  for (const uid of changes.expunged) if (selected.seqOf(uid) > 0) selected.pendingExpunge.add(uid);
  if (allowExpunge && selected.pendingExpunge.size > 0) announceExpunged(session, selected, [...selected.pendingExpunge]);

  const last = selected.uids.length > 0 ? selected.uids[selected.uids.length - 1] : 0;
  const expunged = new Set(changes.expunged);
  const added = changes.changed
    .map((c) => c.uid)
    .filter((uid) => uid > last && !expunged.has(uid))
    .sort((a, b) => a - b);
  if (added.length > 0) {
    selected.append(added);
    await session.claimRecent(added);
    session.send([selected.exists, 'EXISTS']);
    if (!session.rev2) session.send([selected.recent.size, 'RECENT']);
  }

  const addedSet = new Set(added);
  for (const change of changes.changed) {
    if (addedSet.has(change.uid) || selected.ownChanges.get(change.uid) === change.modseq) continue;
    const seq = selected.seqOf(change.uid);
    if (seq > 0 && !selected.pendingExpunge.has(change.uid)) session.send([seq, 'FETCH', flagItems(session, change.uid, change.flags, change.modseq)]);
  }
  selected.ownChanges.clear();
  selected.knownModseq = Math.max(since, changes.highestModseq);
}
