import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const rename: Handler<CommandOf<'RENAME'>> = async (session, command) => {
  if (command.to === 'INBOX') return { status: 'NO', code: 'ALREADYEXISTS', text: 'INBOX always exists' };
  await session.services.mail.renameMailbox(session.accountId, command.from, command.to);
  return { status: 'OK', text: 'RENAME completed' };
};
