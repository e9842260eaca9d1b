import { announceExpunged } from '../mailbox-sync.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** COPY and MOVE (RFC 6851) with UIDPLUS's COPYUID (RFC 4315). */
export const copy: Handler<CommandOf<'COPY' | 'MOVE'>> = async (session, command) => {
  const selected = session.selected!;
  if (command.name === 'MOVE' && selected.readOnly) return { status: 'NO', code: 'READ-ONLY', text: 'The mailbox is open read-only (EXAMINE)' };
  const uids = selected.resolve(command.set, command.uid);
  const { mail } = session.services;
  const target = await mail.getMailbox(session.accountId, command.mailbox);
  if (uids.length === 0) return { status: 'OK', text: `${command.name} completed, nothing to do` };
  if (command.name === 'COPY') {
    const result = await mail.copyEntries(session.accountId, selected.id, uids, target.id);
    return { status: 'OK', code: copyUid(result.uidvalidity, result.pairs), text: 'COPY completed' };
  }
  const result = await mail.moveEntries(session.accountId, selected.id, uids, target.id);
  if (result.pairs.length > 0) session.send(['OK', { raw: `[${copyUid(result.uidvalidity, result.pairs)}]` }, 'Moved']);
  announceExpunged(session, selected, result.pairs.map(([source]) => source));
  return { status: 'OK', text: 'MOVE completed' };
};

function copyUid(uidvalidity: number, pairs: [number, number][]): string {
  return `COPYUID ${uidvalidity} ${formatUidSet(pairs.map(([s]) => s))} ${formatUidSet(pairs.map(([, d]) => d))}`;
}
