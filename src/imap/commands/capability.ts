import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const capability: Handler<CommandOf<'CAPABILITY'>> = async (session) => {
  session.send(['CAPABILITY', ...session.capabilityList()]);
  return { status: 'OK', text: 'CAPABILITY completed' };
};
