/**
 * What a search asks of a mailbox's entries, independent of IMAP or JMAP syntax. Protocols turn
 * their own grammar into this tree; `Leaf` lets a protocol add leaves (IMAP's sequence sets) that
 * it resolves to `uid` leaves before the mail core evaluates the tree.
 */
export type SearchKey<Leaf = never> =
  | Leaf
  | { type: 'all' }
  | { type: 'none' }
  | { type: 'and'; keys: SearchKey<Leaf>[] }
  | { type: 'or'; keys: [SearchKey<Leaf>, SearchKey<Leaf>] }
  | { type: 'not'; key: SearchKey<Leaf> }
  /** A system flag (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) or a keyword; `set: false` for UNSEEN, UNKEYWORD... */
  | { type: 'flag'; flag: string; set: boolean }
  /** Inclusive UID ranges; a range's end is already resolved (no `*`). */
  | { type: 'uid'; ranges: UidRange[] }
  /** Substring, case-insensitive, of a header field's decoded value; '' matches any message that has the field. */
  | { type: 'header'; field: string; value: string }
  /** `body`: the body text; `text`: header and body (IMAP TEXT). Substring match, folded for case and accents, through the full-text index. */
  | { type: 'text'; field: 'body' | 'text'; value: string }
  /** Compares the date only (no time), in UTC, as IMAP does: `internal` = arrival, `sent` = Date: header. */
  | { type: 'date'; field: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; date: string }
  /** RFC 5032 WITHIN: arrival time older/younger than N seconds. */
  | { type: 'age'; op: 'older' | 'younger'; seconds: number }
  | { type: 'size'; op: 'larger' | 'smaller'; bytes: number }
  /** RFC 7162: entries whose modseq is >= the value. */
  | { type: 'modseq'; modseq: number }
  /** RFC 8474 object ids: the message's EMAILID or THREADID. */
  | { type: 'emailid'; id: string }
  | { type: 'threadid'; id: string };

export interface UidRange {
  start: number;
  end: number;
}

/** RFC 5256 / RFC 5957 sort keys. */
export type SortKey = 'arrival' | 'cc' | 'date' | 'from' | 'size' | 'subject' | 'to' | 'displayfrom' | 'displayto';

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

export type ThreadAlgorithm = 'references' | 'orderedsubject';

/** A thread tree node: a UID (or null for a missing parent, which RFC 5256 allows to appear) with its children. */
export interface ThreadNode {
  uid: number | null;
  children: ThreadNode[];
}
