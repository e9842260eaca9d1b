import { announceExpunged } from '../mailbox-sync.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * COPY and MOVE (RFC 6851) with UIDPLUS's COPYUID (RFC 4315). The target needs the i right; MOVE
 * also needs t and e on the source (RFC 4314 §4). Between a shared mailbox and one's own the
 * messages are stored anew in the target's account, and a MOVE then expunges the source.
 */
export const copy: Handler<CommandOf<'COPY' | 'MOVE'>> = async (session, command) => {
  const selected = session.selected!;
  if (command.name === 'MOVE' && selected.readOnly) return { status: 'NO', code: 'READ-ONLY', text: 'The mailbox is open read-only' };
  if (command.name === 'MOVE' && !(selected.rights.includes('t') && selected.rights.includes('e'))) {
    return { status: 'NO', code: 'NOPERM', text: 'Moving out of this shared mailbox needs the t and e rights' };
  }
  const uids = selected.resolve(command.set, command.uid);
  const { mail } = session.services;
  const target = await session.resolveMailbox(command.mailbox, 'i');
  if (uids.length === 0) return { status: 'OK', text: `${command.name} completed, nothing to do` };
  if (target.accountId !== selected.accountId) {
    const result = await mail.copyAcross(selected.accountId, selected.id, uids, target.accountId, target.mailbox.id, target.rights);
    if (command.name === 'COPY') return { status: 'OK', code: copyUid(result.uidvalidity, result.pairs), text: 'COPY completed' };
    const moved = result.pairs.map(([source]) => source);
    await mail.expunge(selected.accountId, selected.id, moved);
    if (result.pairs.length > 0) session.send(['OK', { raw: `[${copyUid(result.uidvalidity, result.pairs)}]` }, 'Moved']);
    announceExpunged(session, selected, moved);
    return { status: 'OK', text: 'MOVE completed' };
  }
  if (command.name === 'COPY') {
    const result = await mail.copyEntries(selected.accountId, selected.id, uids, target.mailbox.id);
    return { status: 'OK', code: copyUid(result.uidvalidity, result.pairs), text: 'COPY completed' };
  }
  const result = await mail.moveEntries(selected.accountId, selected.id, uids, target.mailbox.id);
  if (result.pairs.length > 0) session.send(['OK', { raw: `[${copyUid(result.uidvalidity, result.pairs)}]` }, 'Moved']);
  announceExpunged(session, selected, result.pairs.map(([source]) => source));
  return { status: 'OK', text: 'MOVE completed' };
};

function copyUid(uidvalidity: number, pairs: [number, number][]): string {
  return `COPYUID ${uidvalidity} ${formatUidSet(pairs.map(([s]) => s))} ${formatUidSet(pairs.map(([, d]) => d))}`;
}
