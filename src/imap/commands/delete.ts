import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** DELETE; a shared mailbox needs the x right (RFC 4314 §4). */
export const deleteMailbox: Handler<CommandOf<'DELETE'>> = async (session, command) => {
  if (command.mailbox === 'INBOX') return { status: 'NO', code: 'CANNOT', text: 'INBOX cannot be deleted' };
  const access = await session.resolveMailbox(command.mailbox, 'x');
  if (session.selected?.id === access.mailbox.id) session.select(null);
  await session.services.mail.deleteMailbox(access.accountId, access.mailbox.name);
  return { status: 'OK', text: 'DELETE completed' };
};
