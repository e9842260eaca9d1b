import { normalizeRights } from '../../mail/acl.ts';
import { MailError } from '../../mail/errors.ts';
import type { ImapValue } from '../proto/serializer.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Completion, Handler } from './index.ts';

/** Rights as an atom, or "" when there are none (an empty atom cannot be written). */
function rightsValue(rights: string): ImapValue {
  return rights === '' ? { quoted: '' } : rights;
}

/**
 * ACL commands (RFC 4314) on the user's own mailboxes and on those shared with them. The owner
 * holds every right; GETACL, SETACL, DELETEACL and LISTRIGHTS need the a right, MYRIGHTS any.
 * `SETACL Projects bob@example.com lr` is how a user shares one of their folders.
 */
export const acl: Handler<CommandOf<'GETACL' | 'SETACL' | 'DELETEACL' | 'LISTRIGHTS' | 'MYRIGHTS'>> = async (session, command): Promise<Completion> => {
  const access = session.services.mail.access;
  switch (command.name) {
    case 'GETACL': {
      const { access: mailbox, entries } = await access.getAcl(session.accountId, command.mailbox);
      session.send(['ACL', session.mailboxName(mailbox.name), ...entries.flatMap((e) => [{ string: e.identifier }, rightsValue(e.rights)])]);
      return { status: 'OK', text: 'GETACL completed' };
    }
    case 'MYRIGHTS': {
      const mailbox = await session.resolveMailbox(command.mailbox);
      session.send(['MYRIGHTS', session.mailboxName(mailbox.name), rightsValue(mailbox.rights)]);
      return { status: 'OK', text: 'MYRIGHTS completed' };
    }
    case 'LISTRIGHTS': {
      const { access: mailbox, required, optional } = await access.listRights(session.accountId, command.mailbox, command.identifier);
      session.send(['LISTRIGHTS', session.mailboxName(mailbox.name), { string: command.identifier }, rightsValue(required), ...optional]);
      return { status: 'OK', text: 'LISTRIGHTS completed' };
    }
    case 'SETACL': {
      // RFC 4314 §3.1: an unknown right is a BAD command, not a refusal.
      try {
        normalizeRights(command.rights.replace(/^[+-]/, ''));
      } catch (err) {
        if (err instanceof MailError) return { status: 'BAD', text: err.message };
        throw err;
      }
      await access.setAcl(session.accountId, command.mailbox, command.identifier, command.rights);
      return { status: 'OK', text: 'SETACL completed' };
    }
    case 'DELETEACL':
      await access.setAcl(session.accountId, command.mailbox, command.identifier, null);
      return { status: 'OK', text: 'DELETEACL completed' };
  }
};
