import { announceExpunged } from '../mailbox-sync.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** EXPUNGE and UID EXPUNGE (RFC 4315): only messages with \Deleted go. */
export const expunge: Handler<CommandOf<'EXPUNGE'>> = async (session, command) => {
  const selected = session.selected!;
  if (selected.readOnly) return { status: 'NO', code: 'READ-ONLY', text: 'The mailbox is open read-only' };
  // RFC 4314 §4: expunging needs the e right.
  if (!selected.rights.includes('e')) return { status: 'NO', code: 'NOPERM', text: 'Expunging this shared mailbox needs the e right' };
  const candidates = command.uid ? selected.resolveUidSet(command.set) : [...selected.uids];
  const removed = await session.services.mail.expunge(selected.accountId, selected.id, candidates, { onlyDeleted: true });
  announceExpunged(session, selected, removed);
  return { status: 'OK', text: 'EXPUNGE completed' };
};
