import { untaggedStatus } from '../proto/serializer.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const logout: Handler<CommandOf<'LOGOUT'>> = async (session) => {
  session.connection.write(untaggedStatus('BYE', 'Petrel logging out'));
  session.state = 'logout';
  return { status: 'OK', text: 'LOGOUT completed', sync: false, after: () => session.connection.end() };
};
