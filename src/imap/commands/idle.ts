import type { Command } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const idle: Handler<Extract<Command, { name: 'IDLE' }>> = async (session, _command, tag) => {
  await session.beginIdle(tag);
  return { status: 'IDLE', text: '' };
};
