import type { ImapValue } from '../proto/serializer.ts';
import type { CommandOf } from '../proto/types.ts';
import type { ImapSession } from '../session.ts';
import type { Handler } from './index.ts';

/** The one quota root every mailbox of an account belongs to (RFC 9208). */
const ROOT = '';

async function quotaLine(session: ImapSession): Promise<ImapValue[]> {
  const usage = await session.services.mail.quota(session.accountId);
  const resources: ImapValue[] = [];
  if (usage.limitBytes > 0) resources.push('STORAGE', Math.ceil(usage.usedBytes / 1024), Math.floor(usage.limitBytes / 1024));
  return ['QUOTA', { quoted: ROOT }, resources];
}

/** GETQUOTA, GETQUOTAROOT and SETQUOTA; limits are the administrator's to set, not the user's. */
export const quota: Handler<CommandOf<'GETQUOTA' | 'GETQUOTAROOT' | 'SETQUOTA'>> = async (session, command) => {
  switch (command.name) {
    case 'GETQUOTAROOT': {
      const mailbox = await session.services.mail.getMailbox(session.accountId, command.mailbox);
      session.send(['QUOTAROOT', { string: mailbox.name }, { quoted: ROOT }]);
      session.send(await quotaLine(session));
      return { status: 'OK', text: 'GETQUOTAROOT completed' };
    }
    case 'GETQUOTA':
      if (command.root !== ROOT) return { status: 'NO', code: 'NONEXISTENT', text: `No quota root ${command.root}` };
      session.send(await quotaLine(session));
      return { status: 'OK', text: 'GETQUOTA completed' };
    case 'SETQUOTA':
      return { status: 'NO', code: 'NOPERM', text: 'Quotas are set by the administrator' };
  }
};
