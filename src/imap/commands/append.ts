import { encodeBinaryParts } from '../binary-append.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** APPEND with MULTIAPPEND (RFC 3502: all or none), UIDPLUS's APPENDUID and APPENDLIMIT. */
export const append: Handler<CommandOf<'APPEND'>> = async (session, command) => {
  const limit = session.services.appendLimit;
  if (command.messages.some((m) => m.data.length > limit)) return { status: 'NO', code: 'TOOBIG', text: `Messages are limited to ${limit} bytes` };
  if (command.messages.some((m) => m.data.length === 0)) return { status: 'NO', text: 'An empty message cannot be appended' };
  const result = await session.services.mail.appendMany(
    session.accountId,
    command.mailbox,
    command.messages.map((m) => ({ raw: m.binary ? encodeBinaryParts(m.data) : m.data, flags: m.flags, receivedAt: m.date })),
  );
  return { status: 'OK', code: `APPENDUID ${result.uidvalidity} ${formatUidSet(result.uids)}`, text: 'APPEND completed' };
};
