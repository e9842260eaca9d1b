import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** NOOP and CHECK: nothing to do but let the session report pending changes before the OK. */
export const noop: Handler<CommandOf<'NOOP' | 'CHECK'>> = async (_session, command) => ({ status: 'OK', text: `${command.name} completed` });
