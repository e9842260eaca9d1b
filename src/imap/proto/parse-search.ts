// SEARCH, SORT and THREAD arguments (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES,
// RFC 5256 SORT/THREAD, RFC 5957 SORT=DISPLAY, RFC 5267 ESORT, RFC 5032 WITHIN, RFC 7162
// CONDSTORE, RFC 8474 OBJECTID).
import iconv from 'iconv-lite';
import type { SortCriterion, SortKey, ThreadAlgorithm } from '../../mail/search-criteria.ts';
import { decodeCharset } from '../../mail/mime/charset.ts';
import type { ImapSearchKey, SearchReturnOption } from './types.ts';
import { parseSearchDate } from './dates.ts';
import type { Reader } from './tokenizer.ts';

// Nesting depth beyond any real client's needs, far below what would exhaust the stack on a
// 64 KiB line of `NOT NOT NOT ...`.
const MAX_DEPTH = 64;

const RETURN_OPTIONS: readonly SearchReturnOption[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'];

const SYSTEM_FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const HEADER_KEYS: Record<string, string> = { FROM: 'from', TO: 'to', CC: 'cc', BCC: 'bcc', SUBJECT: 'subject' };

const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

const SORT_KEYS: Record<string, SortKey> = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayfrom',
  DISPLAYTO: 'displayto',
};

/** `RETURN (...)` of ESEARCH/ESORT; `RETURN ()` means ALL (RFC 4731 §3.1). */
export function parseReturnOptions(r: Reader): SearchReturnOption[] {
  r.pos += 'RETURN'.length;
  r.sp();
  const options = r.list(
    () => {
      const atom = r.atom('search return option').toUpperCase() as SearchReturnOption;
      if (!RETURN_OPTIONS.includes(atom)) r.fail(`Unknown search return option ${atom}`);
      return atom;
    },
    true,
    'search return options',
  );
  return options.length === 0 ? ['ALL'] : [...new Set(options)];
}

/** Charsets we can decode search strings from; BADCHARSET otherwise (RFC 9051 §6.4.4). */
export function checkCharset(r: Reader, charset: string): string {
  const label = charset.toUpperCase();
  if (label === 'UTF-8' || label === 'US-ASCII' || iconv.encodingExists(charset)) return label;
  return r.fail(`Unsupported charset ${charset}`, 'BADCHARSET (UTF-8 US-ASCII)');
}

/** search-key *(SP search-key), after the optional CHARSET; several keys are ANDed. */
export function parseSearchKeys(r: Reader, charset: string): ImapSearchKey {
  const keys: ImapSearchKey[] = [parseKey(r, charset, 0)];
  while (r.more()) keys.push(parseKey(r, charset, 0));
  return keys.length === 1 ? keys[0] : { type: 'and', keys };
}

function searchString(r: Reader, charset: string, what: string): string {
  const bytes = r.astringBytes(what);
  return charset === 'UTF-8' || charset === 'US-ASCII' ? r.text(bytes) : decodeCharset(bytes, charset);
}

function searchDate(r: Reader, key: string): string {
  const text = r.peek() === 0x22 ? r.string() : r.atom(`date after ${key}`);
  const date = parseSearchDate(text);
  if (date === null) r.fail(`Invalid date ${text} after ${key} (expected e.g. 1-Feb-1994)`);
  return date;
}

function parseKey(r: Reader, charset: string, depth: number): ImapSearchKey {
  if (depth > MAX_DEPTH) r.fail('Search keys nested too deeply');
  const b = r.peek();
  if (b === 0x28) {
    const keys = r.list(() => parseKey(r, charset, depth + 1), false, 'search key list');
    return keys.length === 1 ? keys[0] : { type: 'and', keys };
  }
  if ((b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24) return { type: 'seqset', set: r.sequenceSet() };
  const start = r.pos;
  const name = r.atom('search key').toUpperCase();
  const flag = SYSTEM_FLAG_KEYS[name];
  if (flag) return { type: 'flag', flag: flag[0], set: flag[1] };
  const header = HEADER_KEYS[name];
  if (header) {
    r.sp(`search text after ${name}`);
    return { type: 'header', field: header, value: searchString(r, charset, `search text after ${name}`) };
  }
  const date = DATE_KEYS[name];
  if (date) {
    r.sp(`date after ${name}`);
    return { type: 'date', field: date[0], op: date[1], date: searchDate(r, name) };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    // \Recent is the session's (IMAP4rev1); the session resolves the leaf to the UIDs it holds.
    case 'RECENT':
      return { type: 'recent' };
    case 'NEW':
      return { type: 'and', keys: [{ type: 'recent' }, { type: 'flag', flag: '\\Seen', set: false }] };
    case 'OLD':
      return { type: 'not', key: { type: 'recent' } };
    case 'BODY':
    case 'TEXT':
      r.sp(`search text after ${name}`);
      return { type: 'text', field: name === 'BODY' ? 'body' : 'text', value: searchString(r, charset, `search text after ${name}`) };
    case 'HEADER': {
      r.sp('header field name');
      const field = r.astring('header field name').toLowerCase();
      r.sp(`search text after HEADER ${field}`);
      return { type: 'header', field, value: searchString(r, charset, 'header search text') };
    }
    case 'KEYWORD':
    case 'UNKEYWORD':
      r.sp(`keyword after ${name}`);
      return { type: 'flag', flag: r.flag(), set: name === 'KEYWORD' };
    case 'LARGER':
    case 'SMALLER':
      r.sp(`size after ${name}`);
      return { type: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', bytes: r.number('size') };
    case 'OLDER':
    case 'YOUNGER':
      r.sp(`interval after ${name}`);
      return { type: 'age', op: name === 'OLDER' ? 'older' : 'younger', seconds: r.nzNumber('interval') };
    case 'NOT':
      r.sp('search key after NOT');
      return { type: 'not', key: parseKey(r, charset, depth + 1) };
    case 'OR': {
      r.sp('first search key after OR');
      const a = parseKey(r, charset, depth + 1);
      r.sp('second search key after OR');
      return { type: 'or', keys: [a, parseKey(r, charset, depth + 1)] };
    }
    case 'UID':
      r.sp('UID set after UID');
      return { type: 'uidset', set: r.sequenceSet() };
    case 'MODSEQ':
      r.sp('mod-sequence after MODSEQ');
      // RFC 7162 §3.1.5: an optional metadata entry name and type come first; we keep one
      // modseq per message, so they do not narrow the search.
      if (r.peek() === 0x22) {
        r.string('entry name');
        r.sp('entry type');
        const type = r.atom('entry type').toLowerCase();
        if (type !== 'priv' && type !== 'shared' && type !== 'all') r.fail(`Invalid MODSEQ entry type ${type}`);
        r.sp('mod-sequence');
      }
      return { type: 'modseq', modseq: r.modSequence() };
    case 'EMAILID':
    case 'THREADID': {
      r.sp(`object id after ${name}`);
      const id = r.atom('object id');
      return name === 'EMAILID' ? { type: 'emailid', id } : { type: 'threadid', id };
    }
    default:
      r.pos = start;
      return r.fail(`Unknown search key ${name}`);
  }
}

/** `(REVERSE DATE SUBJECT)` (RFC 5256 §3, RFC 5957). */
export function parseSortCriteria(r: Reader): SortCriterion[] {
  return r.list(
    () => {
      let word = r.atom('sort key').toUpperCase();
      let reverse = false;
      if (word === 'REVERSE') {
        reverse = true;
        r.sp('sort key after REVERSE');
        word = r.atom('sort key').toUpperCase();
      }
      const key = SORT_KEYS[word];
      if (!key) r.fail(`Unknown sort key ${word}`);
      return { key, reverse };
    },
    false,
    'sort criteria',
  );
}

export function parseThreadAlgorithm(r: Reader): ThreadAlgorithm {
  const word = r.atom('thread algorithm').toUpperCase();
  if (word === 'REFERENCES') return 'references';
  if (word === 'ORDEREDSUBJECT') return 'orderedsubject';
  return r.fail(`Unsupported thread algorithm ${word}`);
}
