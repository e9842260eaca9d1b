import type { SearchKey } from '../mail/search-criteria.ts';
import { toRanges } from '../mail/uid-ranges.ts';
import type { ImapSearchKey } from './proto/types.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';

/** Charsets SEARCH, SORT and THREAD accept; strings arrive as UTF-8 either way. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

export function charsetSupported(charset: string | undefined): boolean {
  return charset === undefined || SEARCH_CHARSETS.includes(charset.toUpperCase());
}

/** Replaces IMAP's sequence-number and UID-set leaves with UID ranges the mail core understands. */
export function resolveSearchKey(key: ImapSearchKey, selected: SelectedMailbox): SearchKey {
  switch (key.type) {
    case 'seqset':
      // Numbers past the end match nothing here, where FETCH would call them an error (RFC 9051 §6.4.4).
      return { type: 'uid', ranges: toRanges(selected.resolveSeqSet(key.set, true)) };
    case 'recent':
      return { type: 'uid', ranges: toRanges([...selected.recent]) };
    case 'uidset':
      return { type: 'uid', ranges: key.set.kind === 'saved' ? toRanges(selected.saved) : selected.uidRanges(key.set) };
    case 'and':
      return { type: 'and', keys: key.keys.map((k) => resolveSearchKey(k, selected)) };
    case 'or':
      return { type: 'or', keys: [resolveSearchKey(key.keys[0], selected), resolveSearchKey(key.keys[1], selected)] };
    case 'not':
      return { type: 'not', key: resolveSearchKey(key.key, selected) };
    default:
      return key;
  }
}

export function usesModseq(key: ImapSearchKey): boolean {
  switch (key.type) {
    case 'modseq':
      return true;
    case 'and':
      return key.keys.some(usesModseq);
    case 'or':
      return key.keys.some(usesModseq);
    case 'not':
      return usesModseq(key.key);
    default:
      return false;
  }
}
