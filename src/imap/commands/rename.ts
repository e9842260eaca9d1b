import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * RENAME; in a shared mailbox it needs x on the mailbox and k on the new parent (RFC 4314 §4), and
 * a mailbox stays with its owner.
 */
export const rename: Handler<CommandOf<'RENAME'>> = async (session, command) => {
  if (command.to === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
  const { mail } = session.services;
  const source = await session.resolveMailbox(command.from, 'x');
  const target = await mail.access.creationTarget(session.accountId, command.to);
  if (target.accountId !== source.accountId) return { status: 'NO', code: 'CANNOT', text: 'A mailbox cannot be renamed into another account' };
  await mail.renameMailbox(source.accountId, source.mailbox.name, target.folder);
  return { status: 'OK', text: 'RENAME completed' };
};
