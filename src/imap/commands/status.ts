import { mailboxObjectId } from '../../mail/object-ids.ts';
import type { ImapValue } from '../proto/serializer.ts';
import type { CommandOf, StatusItem } from '../proto/types.ts';
import type { ImapSession } from '../session.ts';
import type { Handler } from './index.ts';

/** STATUS; on a shared mailbox it needs the r right (RFC 4314 §4). */
export const status: Handler<CommandOf<'STATUS'>> = async (session, command) => {
  const access = await session.resolveMailbox(command.mailbox, 'r');
  session.send(await statusResponse(session, access.accountId, access.mailbox.id, access.name, command.items));
  return { status: 'OK', text: 'STATUS completed' };
};

/** The untagged STATUS response, shared with LIST-STATUS (RFC 5819). */
export async function statusResponse(session: ImapSession, accountId: number, mailboxId: number, name: string, items: StatusItem[]): Promise<ImapValue[]> {
  const counts = await session.services.mail.mailboxStatus(accountId, mailboxId);
  const values: ImapValue[] = [];
  for (const item of items) {
    values.push(item);
    switch (item) {
      case 'MESSAGES':
        values.push(counts.messages);
        break;
      case 'UIDNEXT':
        values.push(counts.uidnext);
        break;
      case 'UIDVALIDITY':
        values.push(counts.uidvalidity);
        break;
      case 'UNSEEN':
        values.push(counts.unseen);
        break;
      case 'DELETED':
        values.push(counts.deleted);
        break;
      case 'SIZE':
        values.push(counts.size);
        break;
      case 'RECENT':
        values.push(counts.recent);
        break;
      case 'HIGHESTMODSEQ':
        session.enableCondstore();
        values.push(counts.highestModseq);
        break;
      case 'APPENDLIMIT':
        values.push(session.services.appendLimit);
        break;
      case 'MAILBOXID':
        values.push([{ raw: mailboxObjectId(mailboxId) }]);
        break;
    }
  }
  return ['STATUS', session.mailboxName(name), values];
}
