import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const subscribe: Handler<CommandOf<'SUBSCRIBE' | 'UNSUBSCRIBE'>> = async (session, command) => {
  await session.services.mail.setSubscribed(session.accountId, command.mailbox, command.name === 'SUBSCRIBE');
  return { status: 'OK', text: `${command.name} completed` };
};
