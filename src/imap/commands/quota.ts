import type { CommandOf } from '../proto/types.ts';
import type { ImapSession } from '../session.ts';
import type { Handler } from './index.ts';

/** The one quota root every mailbox of a limited account belongs to (RFC 9208). */
const ROOT = '';

/** The account's usage and limit in KiB, or null when it has no limit (then it has no quota root at all). */
async function storage(session: ImapSession): Promise<{ used: number; limit: number } | null> {
  const usage = await session.services.mail.quota(session.accountId);
  if (usage.limitBytes <= 0) return null;
  return { used: Math.ceil(usage.usedBytes / 1024), limit: Math.floor(usage.limitBytes / 1024) };
}

/** GETQUOTA, GETQUOTAROOT and SETQUOTA; limits are the administrator's to set, not the user's. */
export const quota: Handler<CommandOf<'GETQUOTA' | 'GETQUOTAROOT' | 'SETQUOTA'>> = async (session, command) => {
  switch (command.name) {
    case 'GETQUOTAROOT': {
      const mailbox = await session.resolveMailbox(command.mailbox);
      // A shared mailbox counts against its owner's quota, which is not the user's to see.
      const limits = mailbox.owner === null ? await storage(session) : null;
      if (!limits) {
        session.send(['QUOTAROOT', session.mailboxName(mailbox.name)]);
        return { status: 'OK', text: 'GETQUOTAROOT completed, no quota applies' };
      }
      session.send(['QUOTAROOT', session.mailboxName(mailbox.name), { quoted: ROOT }]);
      session.send(['QUOTA', { quoted: ROOT }, ['STORAGE', limits.used, limits.limit]]);
      return { status: 'OK', text: 'GETQUOTAROOT completed' };
    }
    case 'GETQUOTA': {
      const limits = command.root === ROOT ? await storage(session) : null;
      if (!limits) return { status: 'NO', code: 'NONEXISTENT', text: `No quota root ${JSON.stringify(command.root)}` };
      session.send(['QUOTA', { quoted: ROOT }, ['STORAGE', limits.used, limits.limit]]);
      return { status: 'OK', text: 'GETQUOTA completed' };
    }
    case 'SETQUOTA':
      return { status: 'NO', code: 'NOPERM', text: 'Quotas are set by the administrator' };
  }
};
