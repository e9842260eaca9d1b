import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const deleteMailbox: Handler<CommandOf<'DELETE'>> = async (session, command) => {
  if (command.mailbox === 'INBOX') return { status: 'NO', code: 'CANNOT', text: 'INBOX cannot be deleted' };
  const { mail } = session.services;
  const mailbox = await mail.getMailbox(session.accountId, command.mailbox);
  if (session.selected?.id === mailbox.id) session.select(null);
  await mail.deleteMailbox(session.accountId, command.mailbox);
  return { status: 'OK', text: 'DELETE completed' };
};
