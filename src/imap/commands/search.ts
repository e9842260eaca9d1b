import { formatUidSet } from '../proto/sequence-set.ts';
import type { ImapValue } from '../proto/serializer.ts';
import type { CommandOf, SearchReturnOption } from '../proto/types.ts';
import { charsetSupported, resolveSearchKey, SEARCH_CHARSETS, usesModseq } from '../search-keys.ts';
import type { ImapSession } from '../session.ts';
import type { Completion, Handler } from './index.ts';

export const search: Handler<CommandOf<'SEARCH'>> = async (session, command, tag) => {
  if (!charsetSupported(command.charset)) return badCharset();
  const selected = session.selected!;
  const key = resolveSearchKey(command.key, selected);
  const found = (await session.services.mail.search(selected.accountId, selected.id, key)).filter((uid) => selected.seqOf(uid) > 0);
  const returnOptions = command.returnOptions ?? (session.rev2 ? [] : undefined);
  const modseq = usesModseq(command.key) ? await highestModseqOf(session, returnOptions ? reportedUids(found, returnOptions) : found) : null;
  if (returnOptions === undefined) {
    const numbers = command.uid ? found : found.map((uid) => selected.seqOf(uid));
    const line: ImapValue[] = ['SEARCH', ...numbers];
    if (modseq !== null && found.length > 0) line.push(['MODSEQ', modseq]);
    session.send(line);
  } else {
    sendExtendedResult(session, tag, command.uid, found, returnOptions, modseq);
  }
  return { status: 'OK', text: 'SEARCH completed' };
};

export function badCharset(): Completion {
  return { status: 'NO', code: `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`, text: 'Unsupported charset' };
}

/** RFC 4731 ESEARCH with RFC 5182 SAVE; `found` is ascending by UID (or in SORT order for ESORT). */
export function sendExtendedResult(session: ImapSession, tag: string, uid: boolean, found: number[], options: SearchReturnOption[], modseq: number | null): void {
  const selected = session.selected!;
  const wanted = options.length === 0 ? ['ALL'] : options;
  if (wanted.includes('SAVE')) selected.saved = [...found].sort((a, b) => a - b);
  if (wanted.length === 1 && wanted[0] === 'SAVE') return;
  const numbers = uid ? found : found.map((u) => selected.seqOf(u));
  const line: ImapValue[] = ['ESEARCH', ['TAG', { quoted: tag }]];
  if (uid) line.push('UID');
  if (numbers.length > 0) {
    if (wanted.includes('MIN')) line.push('MIN', Math.min(...numbers));
    if (wanted.includes('MAX')) line.push('MAX', Math.max(...numbers));
    if (wanted.includes('ALL')) line.push('ALL', { raw: formatUidSet([...numbers].sort((a, b) => a - b)) });
  }
  if (wanted.includes('COUNT')) line.push('COUNT', numbers.length);
  if (modseq !== null && numbers.length > 0) line.push('MODSEQ', modseq);
  session.send(line);
}

/**
 * RFC 7162 §3.1.5 with RFC 4731: the MODSEQ an ESEARCH reports is the highest among the messages
 * it returns, so with only MIN or MAX it is that one message's.
 */
function reportedUids(found: number[], options: SearchReturnOption[]): number[] {
  const wanted = options.length === 0 ? ['ALL'] : options;
  if (found.length === 0 || wanted.includes('ALL') || wanted.includes('COUNT') || wanted.includes('SAVE')) return found;
  const picked: number[] = [];
  if (wanted.includes('MIN')) picked.push(found[0]);
  if (wanted.includes('MAX')) picked.push(found[found.length - 1]);
  return picked;
}

/** RFC 7162 §3.1.5: a SEARCH with MODSEQ reports the highest modseq among the results. */
async function highestModseqOf(session: ImapSession, uids: number[]): Promise<number> {
  if (uids.length === 0) return 0;
  const entries = await session.services.mail.fetchEntries(session.selected!.accountId, session.selected!.id, uids, { meta: false });
  return entries.reduce((max, e) => Math.max(max, e.modseq), 0);
}
