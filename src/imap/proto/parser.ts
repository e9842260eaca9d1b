// One framed command → a typed Command (RFC 9051 §6 and §9, plus the extensions in types.ts).
// The grammar for structured commands lives in parse-fetch, parse-search and parse-mailbox.
import type { Command, ParseFailure, TaggedCommand } from './types.ts';
import { ImapSyntaxError, Reader, isAstringChar } from './tokenizer.ts';
import { parseFetchArguments, parseStoreArguments } from './parse-fetch.ts';
import { checkCharset, parseReturnOptions, parseSearchKeys, parseSortCriteria, parseThreadAlgorithm } from './parse-search.ts';
import { parseAppend, parseCreate, parseList, parseSelect, parseStatus } from './parse-mailbox.ts';

export interface ParseOptions {
  /** RFC 6855 UTF8=ACCEPT enabled: mailbox names are UTF-8, not modified UTF-7. */
  utf8Accept: boolean;
}

const SIMPLE = ['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE'] as const;
type Simple = (typeof SIMPLE)[number];
const NO_ARGUMENTS: ReadonlySet<string> = new Set(SIMPLE);

const UID_COMMANDS = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'EXPUNGE', 'SORT', 'THREAD']);

export function isParseFailure(result: TaggedCommand | ParseFailure): result is ParseFailure {
  return !('command' in result);
}

/** Never throws: anything unparseable becomes a ParseFailure with the tag when it was readable. */
export function parseCommand(bytes: Buffer, options: ParseOptions): TaggedCommand | ParseFailure {
  const r = new Reader(bytes, options.utf8Accept);
  let tag: string | undefined;
  try {
    tag = readTag(r);
    r.sp('command name');
    return { tag, command: parseBody(r) };
  } catch (error) {
    if (error instanceof ImapSyntaxError) return failure(tag, error.message, error.code);
    // A bug in this parser must not take the connection down with a stack trace.
    return failure(tag, 'Invalid command');
  }
}

function failure(tag: string | undefined, message: string, code?: string): ParseFailure {
  const result: ParseFailure = { message };
  if (tag !== undefined) result.tag = tag;
  if (code !== undefined) result.code = code;
  return result;
}

// tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9).
function readTag(r: Reader): string {
  const start = r.pos;
  while (!r.atEnd() && isAstringChar(r.peek()) && r.peek() !== 0x2b) r.pos++;
  if (r.pos === start || (!r.atEnd() && r.peek() !== 0x20)) {
    r.pos = start;
    r.fail(r.atEnd() ? 'Empty command line' : 'Missing or invalid tag');
  }
  return r.buf.toString('latin1', start, r.pos);
}

function parseBody(r: Reader): Command {
  let name = r.atom('command name').toUpperCase();
  let uid = false;
  if (name === 'UID') {
    uid = true;
    r.sp('command after UID');
    name = r.atom('command after UID').toUpperCase();
    if (!UID_COMMANDS.has(name)) r.fail(`UID ${name} is not a command`);
  }
  if (NO_ARGUMENTS.has(name)) {
    r.expectEnd();
    return { name: name as Simple };
  }
  switch (name) {
    case 'LOGIN': {
      r.sp('user name');
      const user = r.astring('user name');
      r.sp('password');
      const password = r.astring('password');
      r.expectEnd();
      return { name, user, password };
    }
    case 'AUTHENTICATE':
      return parseAuthenticate(r);
    case 'ID':
      return parseId(r);
    case 'ENABLE': {
      r.sp('capability to enable');
      const capabilities = [r.atom('capability').toUpperCase()];
      while (r.more()) capabilities.push(r.atom('capability').toUpperCase());
      return { name, capabilities };
    }
    case 'SELECT':
    case 'EXAMINE':
      return parseSelect(r, name);
    case 'CREATE':
      return parseCreate(r);
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
    case 'GETQUOTAROOT':
    case 'GETACL':
    case 'MYRIGHTS':
      return withMailbox(r, name);
    case 'RENAME': {
      r.sp('mailbox name');
      const from = r.mailbox();
      r.sp('new mailbox name');
      const to = r.mailbox('new mailbox name');
      r.expectEnd();
      return { name, from, to };
    }
    case 'LIST':
      return parseList(r);
    case 'LSUB':
    case 'XLIST': {
      r.sp('reference name');
      const reference = r.reference();
      r.sp('mailbox pattern');
      const pattern = r.listMailbox();
      r.expectEnd();
      return { name, reference, pattern };
    }
    case 'STATUS':
      return parseStatus(r);
    case 'APPEND':
      return parseAppend(r);
    case 'EXPUNGE':
      if (!uid) {
        r.expectEnd();
        return { name, uid: false };
      }
      r.sp('UID set');
      return { name, uid: true, set: setThenEnd(r) };
    case 'SEARCH':
      return parseSearch(r, uid);
    case 'FETCH': {
      r.sp('sequence set');
      const set = r.sequenceSet();
      r.sp('fetch attributes');
      return { name, uid, set, ...parseFetchArguments(r, uid) };
    }
    case 'STORE': {
      r.sp('sequence set');
      const set = r.sequenceSet();
      r.sp('flags item');
      return { name, uid, set, ...parseStoreArguments(r) };
    }
    case 'COPY':
    case 'MOVE': {
      r.sp('sequence set');
      const set = r.sequenceSet();
      r.sp('mailbox name');
      const mailbox = r.mailbox();
      r.expectEnd();
      return { name, uid, set, mailbox };
    }
    case 'SORT':
      return parseSort(r, uid);
    case 'THREAD': {
      r.sp('thread algorithm');
      const algorithm = parseThreadAlgorithm(r);
      r.sp('charset');
      const charset = checkCharset(r, r.astring('charset'));
      r.sp('search keys');
      return { name, uid, algorithm, charset, key: parseSearchKeys(r, charset) };
    }
    case 'GETQUOTA': {
      r.sp('quota root');
      const root = r.astring('quota root');
      r.expectEnd();
      return { name, root };
    }
    case 'SETQUOTA':
      return parseSetQuota(r);
    case 'SETACL': {
      r.sp('mailbox name');
      const mailbox = r.mailbox();
      r.sp('identifier');
      const identifier = r.astring('identifier');
      r.sp('rights');
      const rights = r.astring('rights');
      r.expectEnd();
      return { name, mailbox, identifier, rights };
    }
    case 'DELETEACL':
    case 'LISTRIGHTS': {
      r.sp('mailbox name');
      const mailbox = r.mailbox();
      r.sp('identifier');
      const identifier = r.astring('identifier');
      r.expectEnd();
      return { name, mailbox, identifier };
    }
    case 'COMPRESS': {
      r.sp('compression mechanism');
      const mechanism = r.atom('compression mechanism').toUpperCase();
      r.expectEnd();
      return { name, mechanism };
    }
    default:
      return r.fail(`Unknown command ${name}`);
  }
}

function withMailbox(r: Reader, name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'GETQUOTAROOT' | 'GETACL' | 'MYRIGHTS'): Command {
  r.sp('mailbox name');
  const mailbox = r.mailbox();
  r.expectEnd();
  return { name, mailbox };
}

function setThenEnd(r: Reader) {
  const set = r.sequenceSet();
  r.expectEnd();
  return set;
}

// RFC 9051 §6.2.2 with RFC 4959 SASL-IR: `=` is an empty initial response.
function parseAuthenticate(r: Reader): Command {
  r.sp('authentication mechanism');
  const mechanism = r.atom('authentication mechanism').toUpperCase();
  if (!r.more()) return { name: 'AUTHENTICATE', mechanism };
  const response = r.atom('initial response');
  if (response !== '=' && !/^[A-Za-z0-9+/]*={0,2}$/.test(response)) r.fail('Initial response is not base64');
  r.expectEnd();
  return { name: 'AUTHENTICATE', mechanism, initialResponse: response === '=' ? '' : response };
}

// RFC 2971: ID NIL, or a list of field/value pairs (values may be NIL).
function parseId(r: Reader): Command {
  r.sp('ID parameters');
  if (r.peekWord('NIL')) {
    r.pos += 3;
    r.expectEnd();
    return { name: 'ID', params: null };
  }
  const items = r.list(() => r.nstring('ID field'), true, 'ID parameter list');
  if (items.length % 2 !== 0) r.fail('ID parameters must come in field/value pairs');
  const entries: [string, string | null][] = [];
  for (let i = 0; i < items.length; i += 2) {
    const field = items[i];
    if (field === null) r.fail('An ID field name must not be NIL');
    entries.push([field, items[i + 1]]);
  }
  r.expectEnd();
  // fromEntries defines own properties, so a field named __proto__ stays data.
  return { name: 'ID', params: Object.fromEntries(entries) };
}

function parseSearch(r: Reader, uid: boolean): Command {
  r.sp('search keys');
  const returnOptions = r.peekWord('RETURN') ? parseReturnOptions(r) : undefined;
  if (returnOptions) r.sp('search keys');
  let charset = 'US-ASCII';
  let explicitCharset: string | undefined;
  if (r.peekWord('CHARSET')) {
    r.pos += 'CHARSET'.length;
    r.sp('charset');
    explicitCharset = r.astring('charset');
    charset = checkCharset(r, explicitCharset);
    r.sp('search keys');
  }
  const key = parseSearchKeys(r, charset);
  const command: Extract<Command, { name: 'SEARCH' }> = { name: 'SEARCH', uid, key };
  if (explicitCharset !== undefined) command.charset = explicitCharset;
  if (returnOptions) command.returnOptions = returnOptions;
  return command;
}

// RFC 5256 §3 SORT, with RFC 5267 ESORT's RETURN options before the criteria.
function parseSort(r: Reader, uid: boolean): Command {
  r.sp('sort criteria');
  const returnOptions = r.peekWord('RETURN') ? parseReturnOptions(r) : undefined;
  if (returnOptions) r.sp('sort criteria');
  const criteria = parseSortCriteria(r);
  r.sp('charset');
  const charset = r.astring('charset');
  const label = checkCharset(r, charset);
  r.sp('search keys');
  const key = parseSearchKeys(r, label);
  const command: Extract<Command, { name: 'SORT' }> = { name: 'SORT', uid, criteria, charset, key };
  if (returnOptions) command.returnOptions = returnOptions;
  return command;
}

// RFC 9208 §4.1.4: SETQUOTA root (resource limit ...).
function parseSetQuota(r: Reader): Command {
  r.sp('quota root');
  const root = r.astring('quota root');
  r.sp('resource limits');
  const limits = r.list(
    () => {
      const resource = r.atom('resource name').toUpperCase();
      r.sp(`limit for ${resource}`);
      return { resource, limit: r.number('resource limit') };
    },
    true,
    'resource limit list',
  );
  r.expectEnd();
  return { name: 'SETQUOTA', root, limits };
}
