import { canWriteSelected } from '../../mail/acl.ts';
import { mailboxInfo } from '../../mail/mailboxes.ts';
import { mailboxObjectId } from '../../mail/object-ids.ts';
import { flagItems } from '../mailbox-sync.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import { SelectedMailbox } from '../selected-mailbox.ts';
import type { ImapSession } from '../session.ts';
import type { Handler } from './index.ts';

/** Keywords clients commonly set (RFC 5788 registry); listed so clients offer them, any other is allowed too. */
const COMMON_KEYWORDS = ['$Forwarded', '$MDNSent', '$Junk', '$NotJunk', '$Phishing'];

type SelectCommand = CommandOf<'SELECT' | 'EXAMINE'>;

/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2-3), with CONDSTORE and QRESYNC (RFC 7162 §3.2.5). A shared
 * mailbox needs the r right, and opens READ-ONLY when the user may change nothing in it (RFC 4314 §4).
 */
export const select: Handler<SelectCommand> = async (session, command) => {
  if (session.selected) {
    session.select(null);
    if (session.qresync) session.send(['OK', { raw: '[CLOSED]' }, 'Previous mailbox is now closed']);
  }
  if (command.qresync && !session.qresync) return { status: 'BAD', text: 'QRESYNC must be enabled first' };
  if (command.condstore) session.enabled.add('CONDSTORE');
  const { mail } = session.services;
  // The modseq is read before the UIDs: a message arriving in between is then in the list and
  // reported again as a harmless flag update, rather than missing from both.
  const access = await session.resolveMailbox(command.mailbox, 'r');
  const mailbox = { ...mailboxInfo(access.mailbox, new Set()), name: access.name };
  const uids = await mail.listUids(access.accountId, mailbox.id);
  const readOnly = command.name === 'EXAMINE' || !canWriteSelected(access.rights);
  const selected = new SelectedMailbox(mailbox, readOnly, uids, mailbox.highestModseq, access.accountId, access.rights);
  session.select(selected);
  // The flags of every entry come from the mail core's cache: they give the keywords in use
  // and the first unseen message without another pass over the entries.
  const states = await mail.flagStates(access.accountId, mailbox.id, uids);
  for (const keyword of COMMON_KEYWORDS) selected.addKeyword(keyword);
  for (const state of states) for (const flag of state.flags) if (!flag.startsWith('\\')) selected.addKeyword(flag);
  await session.claimRecent(uids);
  session.sendFlagLists();
  session.send([selected.exists, 'EXISTS']);
  if (!session.rev2) {
    session.send([selected.recent.size, 'RECENT']);
    const unseen = states.find((state) => !state.flags.includes('\\Seen'));
    if (unseen) session.send(['OK', { raw: `[UNSEEN ${selected.seqOf(unseen.uid)}]` }, 'First unseen']);
  }
  const uidnext = Math.max(mailbox.uidnext, uids.length > 0 ? uids[uids.length - 1] + 1 : 1);
  session.send(['OK', { raw: `[UIDVALIDITY ${mailbox.uidvalidity}]` }, 'UIDs valid']);
  session.send(['OK', { raw: `[UIDNEXT ${uidnext}]` }, 'Predicted next UID']);
  session.send(['OK', { raw: `[HIGHESTMODSEQ ${mailbox.highestModseq}]` }, 'Highest']);
  session.send(['OK', { raw: `[MAILBOXID (${mailboxObjectId(mailbox.id)})]` }, 'Ok']);
  if (command.qresync && command.qresync.uidvalidity === mailbox.uidvalidity) await resynchronize(session, selected, command.qresync);
  return { status: 'OK', code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: `${command.name} completed`, sync: false };
};

/** RFC 7162 §3.2.5.2: what vanished and what changed since the client's last known modseq. */
async function resynchronize(session: ImapSession, selected: SelectedMailbox, qresync: NonNullable<SelectCommand['qresync']>): Promise<void> {
  const changes = await session.services.mail.changesSince(selected.accountId, selected.id, qresync.modseq);
  const known = qresync.knownUids ? new Set(selected.uidRanges(qresync.knownUids).flatMap(({ start, end }) => rangeWithin(changes.expunged, start, end))) : null;
  const vanished = changes.expunged.filter((uid) => (known ? known.has(uid) : true) && selected.seqOf(uid) === 0);
  if (vanished.length > 0) session.send(['VANISHED', '(EARLIER)', { raw: formatUidSet(vanished.sort((a, b) => a - b)) }]);
  for (const change of changes.changed) {
    const seq = selected.seqOf(change.uid);
    if (seq > 0) session.send([seq, 'FETCH', flagItems(session, change.uid, change.flags, change.modseq)]);
  }
}

function rangeWithin(uids: number[], start: number, end: number): number[] {
  return uids.filter((uid) => uid >= start && uid <= end);
}
