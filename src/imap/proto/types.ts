import type { SearchKey, SortCriterion, ThreadAlgorithm } from '../../mail/search-criteria.ts';

/**
 * The parsed form of every IMAP command we serve (RFC 9051, RFC 3501 and the extensions listed in
 * capabilities.ts). The parser produces these; the session executes them. Nothing here knows
 * about sockets or the store.
 */

/** `*` is kept symbolic: its value depends on the selected mailbox at execution time. */
export type SeqNumber = number | '*';

export interface SeqRange {
  start: SeqNumber;
  end: SeqNumber;
}

/** A sequence set (`1:4,7,9:*`) or RFC 5182's `$` (the saved search result). */
export type SequenceSet = { kind: 'set'; ranges: SeqRange[] } | { kind: 'saved' };

/** IMAP's search leaves that need the session to resolve them into UIDs. */
export type ImapSearchLeaf = { type: 'seqset'; set: SequenceSet } | { type: 'uidset'; set: SequenceSet } | { type: 'recent' };

export type ImapSearchKey = SearchKey<ImapSearchLeaf>;

/** A BODY[...] / BINARY[...] section (RFC 9051 §6.4.5). `part` is empty for the whole message. */
export interface Section {
  part: number[];
  text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** Field names for HEADER.FIELDS(.NOT), as the client wrote them. */
  fields?: string[];
}

export interface Partial {
  offset: number;
  length: number;
}

export type FetchAttribute =
  | {
      type:
        | 'FLAGS'
        | 'INTERNALDATE'
        | 'RFC822.SIZE'
        | 'ENVELOPE'
        | 'BODYSTRUCTURE'
        | 'UID'
        | 'MODSEQ'
        | 'EMAILID'
        | 'THREADID'
        | 'SAVEDATE'
        | 'RFC822'
        | 'RFC822.HEADER'
        | 'RFC822.TEXT';
    }
  /** `BODY` without a section: the non-extensible body structure. */
  | { type: 'BODY' }
  | { type: 'BODY[]'; peek: boolean; section: Section; partial?: Partial }
  | { type: 'BINARY'; peek: boolean; part: number[]; partial?: Partial }
  | { type: 'BINARY.SIZE'; part: number[] }
  /** RFC 8970; `lazy` from `PREVIEW (LAZY)`. */
  | { type: 'PREVIEW'; lazy: boolean };

export type StatusItem = 'MESSAGES' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE' | 'RECENT' | 'HIGHESTMODSEQ' | 'APPENDLIMIT' | 'MAILBOXID';

/** RFC 4731 / RFC 5182 result options; an empty list on `RETURN ()` means ALL. */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

export interface AppendMessage {
  flags: string[];
  /** INTERNALDATE given by the client, ms since the epoch. */
  date?: number;
  data: Buffer;
  /** Sent as `~{n}` (RFC 3516 BINARY append). */
  binary: boolean;
}

export interface ListCommand {
  name: 'LIST';
  reference: string;
  patterns: string[];
  /** RFC 5258 selection options, upper-cased: SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE. */
  selection: string[];
  /** RFC 5258/5819/6154 return options. */
  returnSubscribed: boolean;
  returnChildren: boolean;
  returnSpecialUse: boolean;
  returnStatus?: StatusItem[];
  /** True for the extended syntax (any selection or return option, or a pattern list). */
  extended: boolean;
}

export type Command =
  | { name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE' }
  | { name: 'LOGIN'; user: string; password: string }
  /** The continuation exchange (for mechanisms without SASL-IR) is driven by the session. */
  | { name: 'AUTHENTICATE'; mechanism: string; initialResponse?: string }
  | { name: 'ID'; params: Record<string, string | null> | null }
  | { name: 'ENABLE'; capabilities: string[] }
  | {
      name: 'SELECT' | 'EXAMINE';
      mailbox: string;
      condstore: boolean;
      /** RFC 7162 QRESYNC parameters. */
      qresync?: { uidvalidity: number; modseq: number; knownUids?: SequenceSet; seqMatch?: { seqs: SequenceSet; uids: SequenceSet } };
    }
  | { name: 'CREATE'; mailbox: string; specialUse: string[] }
  | { name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: string }
  | { name: 'RENAME'; from: string; to: string }
  | ListCommand
  | { name: 'LSUB' | 'XLIST'; reference: string; pattern: string }
  | { name: 'STATUS'; mailbox: string; items: StatusItem[] }
  | { name: 'APPEND'; mailbox: string; messages: AppendMessage[] }
  | { name: 'EXPUNGE'; uid: false }
  | { name: 'EXPUNGE'; uid: true; set: SequenceSet }
  | {
      name: 'SEARCH';
      uid: boolean;
      charset?: string;
      /** Absent for a plain SEARCH (untagged SEARCH reply); present for ESEARCH (RFC 4731). */
      returnOptions?: SearchReturnOption[];
      key: ImapSearchKey;
    }
  | {
      name: 'FETCH';
      uid: boolean;
      set: SequenceSet;
      attributes: FetchAttribute[];
      /** The macro the client used (ALL, FAST, FULL), for nothing but logging; attributes are already expanded. */
      changedSince?: number;
      /** RFC 7162 VANISHED modifier (UID FETCH only). */
      vanished: boolean;
    }
  | { name: 'STORE'; uid: boolean; set: SequenceSet; mode: 'add' | 'remove' | 'replace'; silent: boolean; flags: string[]; unchangedSince?: number }
  | { name: 'COPY' | 'MOVE'; uid: boolean; set: SequenceSet; mailbox: string }
  | { name: 'SORT'; uid: boolean; criteria: SortCriterion[]; charset: string; returnOptions?: SearchReturnOption[]; key: ImapSearchKey }
  | { name: 'THREAD'; uid: boolean; algorithm: ThreadAlgorithm; charset: string; key: ImapSearchKey }
  | { name: 'GETQUOTA'; root: string }
  | { name: 'GETQUOTAROOT'; mailbox: string }
  | { name: 'SETQUOTA'; root: string; limits: { resource: string; limit: number }[] }
  | { name: 'GETACL' | 'MYRIGHTS'; mailbox: string }
  | { name: 'SETACL'; mailbox: string; identifier: string; rights: string }
  | { name: 'DELETEACL' | 'LISTRIGHTS'; mailbox: string; identifier: string }
  | { name: 'COMPRESS'; mechanism: string };

export type CommandName = Command['name'];

/** The command with this name; works where one union member carries several names (NOOP | CHECK ...). */
export type CommandOf<N extends CommandName> = Command & { name: N };

/** A parsed command line with its tag. `uid` variants are folded into the command. */
export interface TaggedCommand {
  tag: string;
  command: Command;
}

/**
 * Why a command could not be parsed. `tag` is present when it could be read, so the reply can be
 * a tagged BAD; otherwise the reply is an untagged `* BAD`.
 */
export interface ParseFailure {
  tag?: string;
  message: string;
  /**
   * A response code when the failure deserves `NO [code]` rather than BAD: only
   * `BADCHARSET (UTF-8 US-ASCII)` (RFC 9051 §6.4.4, unsupported SEARCH/SORT/THREAD charset).
   */
  code?: string;
}
