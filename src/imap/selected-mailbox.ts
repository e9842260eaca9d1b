import type { MailboxInfo } from '../mail/mail-store.ts';
import type { UidRange } from '../mail/search-criteria.ts';
import type { SequenceSet } from './proto/types.ts';

/** A sequence set names a message the mailbox does not have (RFC 9051 §9, `seq-number`). */
export class InvalidSequenceSet extends Error {}

/** First index in `sorted` whose value is >= `value`. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The session's view of its selected mailbox: the message sequence numbers it has told the
 * client about (index + 1 in `uids`) and the modseq up to which it has reported changes. The
 * mail core owns the mailbox; this is only what the client has been told, which IMAP requires to
 * change only when the session reports it (EXISTS, EXPUNGE, VANISHED).
 */
export class SelectedMailbox {
  /** Ascending UIDs; sequence number n is uids[n - 1]. */
  uids: number[];
  /** Changes with a modseq up to this have been reported (or were already there at SELECT). */
  knownModseq: number;
  /** Flag changes this session made itself and already answered with FETCH: uid → modseq. */
  readonly ownChanges = new Map<number, number>();
  /** UIDs expunged by others but not yet announced, because the last command forbade EXPUNGE responses. */
  pendingExpunge = new Set<number>();
  /** RFC 5182 SEARCHRES: the UIDs saved by `SEARCH RETURN (SAVE)`. */
  saved: number[] = [];
  /** UIDs that are \Recent for this session (IMAP4rev1): it was the first to see them. */
  readonly recent = new Set<number>();
  /** Keywords the client has been told about in a FLAGS response: lower-cased → as first seen. */
  readonly keywords = new Map<string, string>();

  constructor(
    readonly mailbox: MailboxInfo,
    readonly readOnly: boolean,
    uids: number[],
    modseq: number,
    /** The account owning the mailbox: the user's own, or whoever shared it (RFC 4314). */
    readonly accountId: number,
    /** The user's RFC 4314 rights on it, as they were at SELECT. */
    readonly rights: string,
  ) {
    this.uids = uids;
    this.knownModseq = modseq;
  }

  addKeyword(keyword: string): void {
    if (!this.keywords.has(keyword.toLowerCase())) this.keywords.set(keyword.toLowerCase(), keyword);
  }

  keywordNames(): string[] {
    return [...this.keywords.values()];
  }

  get id(): number {
    return this.mailbox.id;
  }

  get exists(): number {
    return this.uids.length;
  }

  seqOf(uid: number): number {
    const i = lowerBound(this.uids, uid);
    return i < this.uids.length && this.uids[i] === uid ? i + 1 : 0;
  }

  /** UIDs a message sequence set names, ascending and without duplicates; out-of-range numbers are an error unless clipped. */
  resolveSeqSet(set: SequenceSet, clip = false): number[] {
    if (set.kind === 'saved') return this.saved.filter((uid) => this.seqOf(uid) > 0);
    const n = this.uids.length;
    const picked = new Set<number>();
    for (const range of set.ranges) {
      const a = range.start === '*' ? n : range.start;
      const b = range.end === '*' ? n : range.end;
      if (n === 0 && (range.start === '*' || range.end === '*')) continue;
      const lo = Math.max(Math.min(a, b), 1);
      const hi = clip ? Math.min(Math.max(a, b), n) : Math.max(a, b);
      if (hi > n) throw new InvalidSequenceSet(`Invalid message sequence number ${hi} (mailbox has ${n})`);
      for (let seq = lo; seq <= hi; seq++) picked.add(this.uids[seq - 1]);
    }
    return [...picked].sort((x, y) => x - y);
  }

  /** UIDs of this mailbox a UID set names; UIDs that do not exist are ignored, as RFC 9051 §6.4.9 says. */
  resolveUidSet(set: SequenceSet): number[] {
    if (set.kind === 'saved') return this.saved.filter((uid) => this.seqOf(uid) > 0);
    const ranges = this.uidRanges(set);
    const picked = new Set<number>();
    for (const { start, end } of ranges) {
      for (let i = lowerBound(this.uids, start); i < this.uids.length && this.uids[i] <= end; i++) picked.add(this.uids[i]);
    }
    return [...picked].sort((x, y) => x - y);
  }

  /** A UID set as ranges for the mail core; `*` is the highest UID in the mailbox. */
  uidRanges(set: SequenceSet): UidRange[] {
    if (set.kind === 'saved') return this.saved.map((uid) => ({ start: uid, end: uid }));
    const max = this.uids.length > 0 ? this.uids[this.uids.length - 1] : 0;
    return set.ranges.map((range) => {
      const a = range.start === '*' ? max : range.start;
      const b = range.end === '*' ? max : range.end;
      return { start: Math.min(a, b), end: Math.max(a, b) };
    });
  }

  resolve(set: SequenceSet, uid: boolean): number[] {
    return uid ? this.resolveUidSet(set) : this.resolveSeqSet(set);
  }

  /** Removes one UID and returns the sequence number it had (0 if unknown). */
  remove(uid: number): number {
    const seq = this.seqOf(uid);
    if (seq > 0) this.uids.splice(seq - 1, 1);
    this.pendingExpunge.delete(uid);
    this.recent.delete(uid);
    return seq;
  }

  /** Adds UIDs the client has not been told about; they are always above every known UID. */
  append(uids: number[]): void {
    const last = this.uids.length > 0 ? this.uids[this.uids.length - 1] : 0;
    for (const uid of uids) if (uid > last) this.uids.push(uid);
  }
}
