import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { MailError } from './errors.ts';
import { formatFlags } from './flags.ts';
import { changesSince, type FlagState } from './mailbox-state.ts';

interface CachedMailbox {
  accountId: number;
  /** The mailbox's HIGHESTMODSEQ this copy reflects. */
  modseq: number;
  states: Map<number, FlagState>;
  /** Ascending UIDs, rebuilt only after entries come or go. */
  uids: number[] | null;
  /** The catch-up in progress; another caller waits for it rather than applying older reads over newer ones. */
  catchingUp: Promise<void> | null;
}

/** Entries kept across all mailboxes; past it the least recently used mailboxes are dropped. */
const MAX_ENTRIES = 1_000_000;

/**
 * The UIDs, flags and modseqs of recently used mailboxes, so that `FETCH 1:* (FLAGS)` and SELECT
 * (what clients send most) do not read every entry row again. Each use first reads the mailbox's
 * HIGHESTMODSEQ; when it moved, only the changes since are applied (the same change log
 * CONDSTORE uses). So the cache is never stale, whichever node or process wrote, and needs no
 * invalidation messages.
 */
export class FlagCache {
  private readonly mailboxes = new Map<number, CachedMailbox>();
  private entries = 0;

  constructor(private readonly db: Kysely<Database>) {}

  private async current(accountId: number, mailboxId: number): Promise<CachedMailbox> {
    const row = await this.db.selectFrom('mailboxes').select('highest_modseq').where('id', '=', mailboxId).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new MailError('not_found', `no mailbox ${mailboxId}`);
    const highest = Number(row.highest_modseq);
    let cached = this.mailboxes.get(mailboxId);
    if (cached && cached.accountId === accountId) {
      // Most recently used last, so eviction takes the first.
      this.mailboxes.delete(mailboxId);
      this.mailboxes.set(mailboxId, cached);
      while (cached.modseq < highest) {
        cached.catchingUp ??= this.catchUp(cached, mailboxId).finally(() => {
          cached!.catchingUp = null;
        });
        await cached.catchingUp;
      }
      return cached;
    }
    cached = await this.load(accountId, mailboxId, highest);
    this.remember(mailboxId, cached);
    return cached;
  }

  private async load(accountId: number, mailboxId: number, highest: number): Promise<CachedMailbox> {
    const rows = await this.db.selectFrom('mailbox_entries').select(['uid', 'flags', 'keywords', 'modseq']).where('mailbox_id', '=', mailboxId).where('account_id', '=', accountId).orderBy('uid').execute();
    const states = new Map<number, FlagState>();
    for (const r of rows) states.set(Number(r.uid), { uid: Number(r.uid), flags: formatFlags(r.flags, r.keywords), modseq: Number(r.modseq) });
    return { accountId, modseq: highest, states, uids: [...states.keys()], catchingUp: null };
  }

  private async catchUp(cached: CachedMailbox, mailboxId: number): Promise<void> {
    const changes = await changesSince(this.db, cached.accountId, mailboxId, cached.modseq);
    const before = cached.states.size;
    for (const state of changes.changed) {
      if (!cached.states.has(state.uid)) cached.uids = null;
      cached.states.set(state.uid, state);
    }
    for (const uid of changes.expunged) if (cached.states.delete(uid)) cached.uids = null;
    cached.modseq = Math.max(cached.modseq, changes.highestModseq);
    this.entries += cached.states.size - before;
    this.evict();
  }

  private remember(mailboxId: number, cached: CachedMailbox): void {
    this.mailboxes.set(mailboxId, cached);
    this.entries += cached.states.size;
    this.evict();
  }

  private evict(): void {
    for (const [id, cached] of this.mailboxes) {
      if (this.entries <= MAX_ENTRIES || this.mailboxes.size <= 1) break;
      this.mailboxes.delete(id);
      this.entries -= cached.states.size;
    }
  }

  /** The mailbox's UIDs, ascending; a fresh array the caller may change. */
  async uids(accountId: number, mailboxId: number): Promise<number[]> {
    const cached = await this.current(accountId, mailboxId);
    cached.uids ??= [...cached.states.keys()].sort((a, b) => a - b);
    return [...cached.uids];
  }

  /** The current flags of these UIDs, ascending; UIDs the mailbox does not have are left out. */
  async flagStates(accountId: number, mailboxId: number, uids: readonly number[]): Promise<FlagState[]> {
    const { states } = await this.current(accountId, mailboxId);
    const found: FlagState[] = [];
    for (const uid of uids) {
      const state = states.get(uid);
      if (state) found.push(state);
    }
    return found.sort((a, b) => a.uid - b.uid);
  }
}
