import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** RFC 4314 rights an owner has on every mailbox of their own. */
const OWNER_RIGHTS = 'lrswipkxtea';

/**
 * ACL commands (RFC 4314). Every mailbox today belongs to the one user who logs in to it, who
 * holds all rights; granting rights to others arrives with shared mailboxes.
 */
export const acl: Handler<CommandOf<'GETACL' | 'SETACL' | 'DELETEACL' | 'LISTRIGHTS' | 'MYRIGHTS'>> = async (session, command) => {
  const mailbox = await session.services.mail.getMailbox(session.accountId, command.mailbox);
  const owner = session.principal!.login ?? String(session.principal!.id);
  switch (command.name) {
    case 'GETACL':
      session.send(['ACL', session.mailboxName(mailbox.name), { string: owner }, OWNER_RIGHTS]);
      return { status: 'OK', text: 'GETACL completed' };
    case 'MYRIGHTS':
      session.send(['MYRIGHTS', session.mailboxName(mailbox.name), OWNER_RIGHTS]);
      return { status: 'OK', text: 'MYRIGHTS completed' };
    case 'LISTRIGHTS':
      session.send(['LISTRIGHTS', session.mailboxName(mailbox.name), { string: command.identifier }, { quoted: command.identifier === owner ? OWNER_RIGHTS : '' }, ...OWNER_RIGHTS.split('')]);
      return { status: 'OK', text: 'LISTRIGHTS completed' };
    case 'SETACL':
    case 'DELETEACL':
      return { status: 'NO', code: 'NOPERM', text: 'Sharing mailboxes with others is not available yet' };
  }
};
