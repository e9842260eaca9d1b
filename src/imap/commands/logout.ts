import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const logout: Handler<CommandOf<'LOGOUT'>> = async (session) => {
  session.sendRaw('* BYE Petrel logging out\r\n');
  session.state = 'logout';
  return { status: 'OK', text: 'LOGOUT completed', sync: false, after: () => session.connection.end() };
};
