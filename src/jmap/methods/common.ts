// Argument checks and response shapes the standard methods share (RFC 8620 §5).
import { accountModseq, changesSince, ChangesUnavailableError } from '../../mail/jmap-changes.ts';
import type { ChangeType } from '../../store/schema.ts';
import { accountIdOf, parseAccountId } from '../account-ids.ts';
import { CORE_LIMITS } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';

export type Args = Record<string, unknown>;

/** The account the call names; only the principal's own account exists for it (so far). */
export function accountOf(args: Args, ctx: JmapContext): number {
  const id = args.accountId;
  if (typeof id !== 'string') throw invalidArguments('accountId is required', 'accountId');
  const principalId = parseAccountId(id);
  if (principalId === null || principalId !== ctx.principal.id) throw new MethodError('accountNotFound', `no account ${id}`);
  return principalId;
}

/** Every type's state string is the account's modseq, so an IMAP change moves it too. */
export async function stateOf(ctx: JmapContext, accountId: number): Promise<string> {
  return String(await accountModseq(ctx.services.store.db, accountId));
}

export function optionalString(args: Args, name: string): string | null {
  const value = args[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidArguments(`${name} must be a string`, name);
  return value;
}

export function optionalBoolean(args: Args, name: string, fallback: boolean): boolean {
  const value = args[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalidArguments(`${name} must be a boolean`, name);
  return value;
}

export function optionalInt(args: Args, name: string, fallback: number | null, min = 0): number | null {
  const value = args[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw invalidArguments(`${name} must be an integer >= ${min}`, name);
  return value;
}

/**
 * `ids` of a /get: null means all; more than maxObjectsInGet is refused (RFC 8620 §5.1). A
 * `#creationId` of an object created earlier in the request stands for its id (§5.3).
 */
export function readIds(args: Args, name = 'ids', createdIds?: Map<string, string>): string[] | null {
  const ids = args[name];
  if (ids === undefined || ids === null) return null;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw invalidArguments(`${name} must be an array of ids`, name);
  if (ids.length > CORE_LIMITS.maxObjectsInGet) throw new MethodError('requestTooLarge', `at most ${CORE_LIMITS.maxObjectsInGet} ids`);
  return (ids as string[]).map((id) => (createdIds && id.startsWith('#') ? (createdIds.get(id.slice(1)) ?? id) : id));
}

/** `properties` of a /get: null means the defaults; an unknown one is invalidArguments. `id` is always returned. */
export function readProperties(args: Args, known: readonly string[], defaults: readonly string[], isDynamic: (name: string) => boolean = () => false): string[] {
  const value = args.properties;
  if (value === undefined || value === null) return [...defaults];
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string')) throw invalidArguments('properties must be an array of strings', 'properties');
  const unknown = (value as string[]).filter((p) => !known.includes(p) && !isDynamic(p));
  if (unknown.length > 0) throw invalidArguments(`unknown properties: ${unknown.join(', ')}`, 'properties');
  return [...new Set(['id', ...(value as string[])])];
}

export function pick(object: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(properties.filter((p) => p in object).map((p) => [p, object[p]]));
}

/** A /changes for one type (RFC 8620 §5.2), with ids turned into the type's object ids. */
export async function standardChanges(args: Args, ctx: JmapContext, type: ChangeType, toId: (id: number) => string, accountId = accountOf(args, ctx)): Promise<Args> {
  const since = optionalString(args, 'sinceState');
  if (since === null) throw invalidArguments('sinceState is required', 'sinceState');
  const maxChanges = optionalInt(args, 'maxChanges', null, 1);
  if (!/^\d+$/.test(since)) throw new MethodError('cannotCalculateChanges', `unknown state ${since}`);
  try {
    const changes = await changesSince(ctx.services.store.db, accountId, type, Number(since), maxChanges ?? 10_000);
    return {
      accountId: accountIdOf(accountId),
      oldState: since,
      newState: String(changes.newModseq),
      hasMoreChanges: changes.hasMoreChanges,
      created: changes.created.map(toId),
      updated: changes.updated.map(toId),
      destroyed: changes.destroyed.map(toId),
    };
  } catch (err) {
    if (err instanceof ChangesUnavailableError) throw new MethodError('cannotCalculateChanges', err.message);
    throw err;
  }
}

/**
 * The window of a /query result (RFC 8620 §5.5): an anchor (with anchorOffset) wins over
 * position; a negative position counts from the end. Returns the slice and where it starts.
 */
export function queryWindow(ids: readonly string[], args: Args): { ids: string[]; position: number } {
  const limit = optionalInt(args, 'limit', null, 0);
  const anchor = optionalString(args, 'anchor');
  let start: number;
  if (anchor !== null) {
    const index = ids.indexOf(anchor);
    if (index < 0) throw new MethodError('anchorNotFound', `anchor ${anchor} is not in the results`);
    const offset = args.anchorOffset === undefined || args.anchorOffset === null ? 0 : args.anchorOffset;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) throw invalidArguments('anchorOffset must be an integer', 'anchorOffset');
    start = Math.max(0, index + offset);
  } else {
    const position = args.position === undefined || args.position === null ? 0 : args.position;
    if (typeof position !== 'number' || !Number.isSafeInteger(position)) throw invalidArguments('position must be an integer', 'position');
    start = position < 0 ? Math.max(0, ids.length + position) : Math.min(position, ids.length);
  }
  const end = limit === null ? ids.length : Math.min(ids.length, start + limit);
  return { ids: ids.slice(start, end), position: start };
}

/** A /set failure for one object, answered in its notCreated/notUpdated/notDestroyed entry (RFC 8620 §5.3 SetError). */
export class SetFailure extends Error {
  constructor(
    readonly type: string,
    description: string,
    readonly properties?: string[],
  ) {
    super(description);
  }

  toSetError(): Args {
    return { type: this.type, description: this.message, ...(this.properties ? { properties: this.properties } : {}) };
  }
}

/** Runs one object's part of a /set; a SetFailure goes to `onFailure`, anything else fails the method. */
export async function attempt(run: () => Promise<void>, onFailure: (error: Args) => void): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof SetFailure) onFailure(err.toSetError());
    else throw err;
  }
}

/** Objects of a /set: create and update are maps, destroy a list; each capped at maxObjectsInSet. */
export function readSetArgs(args: Args): { create: Record<string, Args>; update: Record<string, Args>; destroy: string[] } {
  const isMap = (v: unknown): v is Record<string, Args> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
  const create = args.create ?? {};
  const update = args.update ?? {};
  const destroy = args.destroy ?? [];
  if (!isMap(create)) throw invalidArguments('create must map creation ids to objects', 'create');
  if (!isMap(update)) throw invalidArguments('update must map ids to patches', 'update');
  if (!Array.isArray(destroy) || !destroy.every((d) => typeof d === 'string')) throw invalidArguments('destroy must be an array of ids', 'destroy');
  if (Object.keys(create).length + Object.keys(update).length + destroy.length > CORE_LIMITS.maxObjectsInSet) throw new MethodError('requestTooLarge', `at most ${CORE_LIMITS.maxObjectsInSet} objects per /set`);
  return { create, update, destroy: destroy as string[] };
}

/** `ifInState` (RFC 8620 §5.3): the set runs only if the state is still what the client saw. */
export function requireInState(args: Args, state: string): string {
  const expected = optionalString(args, 'ifInState');
  if (expected !== null && expected !== state) throw new MethodError('stateMismatch', `the state is ${state}, not ${expected}`);
  return state;
}

/** `ifInState` against the account's mail state (the change log's modseq). */
export async function checkIfInState(args: Args, ctx: JmapContext, accountId: number): Promise<string> {
  return requireInState(args, await stateOf(ctx, accountId));
}

/** The six outcome maps of a /set response (RFC 8620 §5.3), filled in as the method goes. */
export interface SetOutcome {
  created: Record<string, Args>;
  notCreated: Record<string, Args>;
  updated: Record<string, null>;
  notUpdated: Record<string, Args>;
  destroyed: string[];
  notDestroyed: Record<string, Args>;
}

export function emptySetOutcome(): SetOutcome {
  return { created: {}, notCreated: {}, updated: {}, notUpdated: {}, destroyed: [], notDestroyed: {} };
}

/** Resolves `#creationId` references to ids created earlier in the request (RFC 8620 §5.3). */
export function resolveCreationRef(id: string, createdIds: Map<string, string>): string | null {
  if (!id.startsWith('#')) return id;
  return createdIds.get(id.slice(1)) ?? null;
}
