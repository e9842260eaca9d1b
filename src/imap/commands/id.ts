import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** RFC 2971. The client's parameters are only logged; we say who we are. */
export const id: Handler<CommandOf<'ID'>> = async (session, command) => {
  if (command.params) {
    const described = Object.entries(command.params)
      .map(([k, v]) => `${k}=${v ?? 'NIL'}`)
      .join(' ');
    session.services.log(`imap: client ID from ${session.connection.remoteAddress}: ${described.slice(0, 300)}`);
  }
  session.send(['ID', [{ quoted: 'name' }, { quoted: 'Petrel' }, { quoted: 'vendor' }, { quoted: 'Petrel' }, { quoted: 'support-url' }, { quoted: 'https://github.com/petrel-mail/petrel' }]]);
  return { status: 'OK', text: 'ID completed' };
};
