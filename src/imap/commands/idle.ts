import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const idle: Handler<CommandOf<'IDLE'>> = async (session, _command, tag) => {
  await session.beginIdle(tag);
  return { status: 'IDLE', text: '' };
};
