import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * CLOSE expunges \Deleted messages silently (RFC 9051 §6.4.1), where the user may expunge (the e
 * right, RFC 4314 §4); UNSELECT does not expunge (RFC 3691).
 */
export const close: Handler<CommandOf<'CLOSE'>> = async (session) => {
  const selected = session.selected!;
  if (!selected.readOnly && selected.rights.includes('e')) await session.services.mail.expunge(selected.accountId, selected.id, selected.uids, { onlyDeleted: true });
  session.select(null);
  return { status: 'OK', text: 'CLOSE completed', sync: false };
};

export const unselect: Handler<CommandOf<'UNSELECT'>> = async (session) => {
  session.select(null);
  return { status: 'OK', text: 'UNSELECT completed', sync: false };
};
