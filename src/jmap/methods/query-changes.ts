// The computation every /queryChanges here shares (RFC 8620 §5.6), from the change log and the
// query run again now; nothing of past results is stored.
import { changesSince, ChangesUnavailableError } from '../../mail/jmap-changes.ts';
import type { ChangeType } from '../../store/schema.ts';
import type { JmapContext } from '../context.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { optionalBoolean, optionalInt, optionalString, type Args } from './common.ts';

/** More changed objects than this since the client's state: it is cheaper for it to query again. */
const MAX_TRACKED_CHANGES = 10_000;

export interface QueryChangesArgs {
  sinceQueryState: string;
  maxChanges: number | null;
  upToId: string | null;
  calculateTotal: boolean;
}

export function readQueryChangesArgs(args: Args): QueryChangesArgs {
  const sinceQueryState = optionalString(args, 'sinceQueryState');
  if (sinceQueryState === null) throw invalidArguments('sinceQueryState is required', 'sinceQueryState');
  return { sinceQueryState, maxChanges: optionalInt(args, 'maxChanges', null, 1), upToId: optionalString(args, 'upToId'), calculateTotal: optionalBoolean(args, 'calculateTotal', false) };
}

/** Objects of the type created, updated or destroyed since the query state, and the state that brings the client to. */
export async function changedSince(ctx: JmapContext, accountId: number, type: ChangeType, since: string): Promise<{ created: Set<number>; changed: Set<number>; newState: string }> {
  if (!/^\d+$/.test(since)) throw new MethodError('cannotCalculateChanges', `unknown query state ${since}`);
  try {
    const changes = await changesSince(ctx.services.store.db, accountId, type, Number(since), MAX_TRACKED_CHANGES);
    if (changes.hasMoreChanges) throw new MethodError('cannotCalculateChanges', 'too much changed since; run the query again');
    return { created: new Set(changes.created), changed: new Set([...changes.updated, ...changes.destroyed]), newState: String(changes.newModseq) };
  } catch (err) {
    if (err instanceof ChangesUnavailableError) throw new MethodError('cannotCalculateChanges', err.message);
    throw err;
  }
}

/**
 * The difference between the results at the old state and `now` (the results at the new one),
 * given the objects that changed in between. This holds when whether an object matches and where
 * it sorts depend only on the object itself (so an unchanged object keeps its place relative to
 * the other unchanged ones): each updated or destroyed object is removed, and each created or
 * updated one that matches now is added at its index. A removed id may not have been in the old
 * results, which RFC 8620 §5.6 allows. With `upToId` and a filter and sort on immutable properties
 * only, additions after the client's last cached id are left out (§5.6 upToId).
 */
export function queryDelta(
  now: readonly string[],
  toId: (n: number) => string,
  changes: { created: Set<number>; changed: Set<number> },
  options: { upToId: string | null; maxChanges: number | null; immutable: boolean },
): { removed: string[]; added: { id: string; index: number }[] } {
  const removed = [...changes.changed].map(toId);
  const touched = new Set([...changes.created, ...changes.changed].map(toId));
  let added = now.flatMap((id, index) => (touched.has(id) ? [{ id, index }] : []));
  if (options.upToId !== null && options.immutable) {
    const last = now.indexOf(options.upToId);
    if (last >= 0 && !touched.has(options.upToId)) added = added.filter((a) => a.index <= last);
  }
  if (options.maxChanges !== null && removed.length + added.length > options.maxChanges) {
    throw new MethodError('tooManyChanges', `more than maxChanges (${options.maxChanges}) changes`);
  }
  return { removed, added };
}
