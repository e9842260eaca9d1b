import { flagPermission, permittedFlags } from '../../mail/acl.ts';
import { encodeBinaryParts } from '../binary-append.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * APPEND with MULTIAPPEND (RFC 3502: all or none), UIDPLUS's APPENDUID and APPENDLIMIT. Into a
 * shared mailbox it needs the i right; flags the user may not set are dropped (RFC 4314 §4).
 */
export const append: Handler<CommandOf<'APPEND'>> = async (session, command) => {
  const limit = session.services.appendLimit;
  if (command.messages.some((m) => m.data.length > limit)) return { status: 'NO', code: 'TOOBIG', text: `Messages are limited to ${limit} bytes` };
  if (command.messages.some((m) => m.data.length === 0)) return { status: 'NO', text: 'An empty message cannot be appended' };
  const target = await session.resolveMailbox(command.mailbox, 'i');
  const permission = flagPermission(target.rights);
  const result = await session.services.mail.appendMany(
    target.accountId,
    target.mailbox.name,
    command.messages.map((m) => ({ raw: m.binary ? encodeBinaryParts(m.data) : m.data, flags: m.flags && permittedFlags(permission, m.flags), receivedAt: m.date })),
  );
  return { status: 'OK', code: `APPENDUID ${result.uidvalidity} ${formatUidSet(result.uids)}`, text: 'APPEND completed' };
};
