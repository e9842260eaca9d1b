import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

export const starttls: Handler<CommandOf<'STARTTLS'>> = async (session) => {
  if (session.connection.isSecure) return { status: 'BAD', text: 'TLS is already active' };
  return {
    status: 'OK',
    text: 'Begin TLS negotiation now',
    after: async () => {
      session.resetInput();
      try {
        await session.connection.startTls(session.services.tlsContext);
      } catch {
        session.connection.destroy();
      }
    },
  };
};
