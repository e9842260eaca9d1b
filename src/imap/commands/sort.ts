import type { CommandOf } from '../proto/types.ts';
import { charsetSupported, resolveSearchKey } from '../search-keys.ts';
import type { Handler } from './index.ts';
import { badCharset, sendExtendedResult } from './search.ts';

/** SORT (RFC 5256) with SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267). */
export const sort: Handler<CommandOf<'SORT'>> = async (session, command, tag) => {
  if (!charsetSupported(command.charset)) return badCharset();
  const selected = session.selected!;
  const key = resolveSearchKey(command.key, selected);
  const sorted = (await session.services.mail.sort(selected.accountId, selected.id, command.criteria, key)).filter((uid) => selected.seqOf(uid) > 0);
  if (command.returnOptions) {
    sendExtendedResult(session, tag, command.uid, sorted, command.returnOptions, null);
  } else {
    session.send(['SORT', ...(command.uid ? sorted : sorted.map((uid) => selected.seqOf(uid)))]);
  }
  return { status: 'OK', text: 'SORT completed' };
};
