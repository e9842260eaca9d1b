import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** RFC 4978. */
export const compress: Handler<CommandOf<'COMPRESS'>> = async (session, command) => {
  if (command.mechanism.toUpperCase() !== 'DEFLATE') return { status: 'BAD', text: `Unknown compression mechanism ${command.mechanism}` };
  if (session.connection.isCompressed) return { status: 'NO', code: 'COMPRESSIONACTIVE', text: 'DEFLATE is already active' };
  return { status: 'OK', text: 'DEFLATE active', after: () => session.connection.startCompression() };
};
