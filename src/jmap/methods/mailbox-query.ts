import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { accountIdOf } from '../account-ids.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { accessOf, type AccountAccess } from '../account-access.ts';
import { mailboxObjectId } from '../../mail/object-ids.ts';
import { optionalBoolean, queryWindow, stateOf } from './common.ts';
import { matchesFilter, parseFilter, parseSort } from './filter.ts';
import { changedSince, queryDelta, readQueryChangesArgs } from './query-changes.ts';
import { mailboxObjects } from './mailbox-view.ts';

/** RFC 8621 §2.3 FilterCondition. */
interface MailboxCondition {
  parentId?: string | null;
  name?: string;
  role?: string | null;
  hasAnyRole?: boolean;
  isSubscribed?: boolean;
}

function parseCondition(raw: Record<string, unknown>): MailboxCondition {
  const condition: MailboxCondition = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((key === 'parentId' || key === 'role') && (value === null || typeof value === 'string')) condition[key] = value;
    else if (key === 'name' && typeof value === 'string') condition.name = value;
    else if ((key === 'hasAnyRole' || key === 'isSubscribed') && typeof value === 'boolean') condition[key] = value;
    else if (['parentId', 'role', 'name', 'hasAnyRole', 'isSubscribed'].includes(key)) throw invalidArguments(`bad value for ${key}`, 'filter');
    else throw new MethodError('unsupportedFilter', `unknown Mailbox filter property ${key}`);
  }
  return condition;
}

function test(c: MailboxCondition, m: Record<string, unknown>): boolean {
  if (c.parentId !== undefined && m.parentId !== c.parentId) return false;
  if (c.name !== undefined && !String(m.name).toLowerCase().includes(c.name.toLowerCase())) return false;
  if (c.role !== undefined && m.role !== c.role) return false;
  if (c.hasAnyRole !== undefined && (m.role !== null) !== c.hasAnyRole) return false;
  if (c.isSubscribed !== undefined && m.isSubscribed !== c.isSubscribed) return false;
  return true;
}

/** The ids of the account's mailboxes the query selects, in its order (ties by id, so the order is stable). */
async function mailboxQueryIds(ctx: JmapContext, access: AccountAccess, args: Record<string, unknown>): Promise<string[]> {
  const filter = parseFilter(args.filter, parseCondition);
  const sort = parseSort(args.sort, ['name', 'sortOrder']);
  if (optionalBoolean(args, 'sortAsTree', false) || optionalBoolean(args, 'filterAsTree', false)) throw new MethodError('unsupportedSort', 'sortAsTree and filterAsTree are not supported');
  const all = [...(await mailboxObjects(ctx, access, false)).values()].filter((m) => matchesFilter(filter, m, test));
  all.sort((a, b) => {
    for (const c of sort) {
      const x = c.property === 'name' ? String(a.name).localeCompare(String(b.name)) : Number(a.sortOrder) - Number(b.sortOrder);
      if (x !== 0) return c.isAscending ? x : -x;
    }
    return String(a.id).localeCompare(String(b.id));
  });
  return all.map((m) => String(m.id));
}

/** RFC 8621 §2.3 Mailbox/query, over the account's mailboxes in memory (an account has tens, not thousands). */
export const mailboxQuery: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const calculateTotal = optionalBoolean(args, 'calculateTotal', false);
    const state = await stateOf(ctx, accountId);
    const all = await mailboxQueryIds(ctx, access, args);
    const window = queryWindow(all, args);
    return {
      accountId: accountIdOf(accountId),
      queryState: state,
      canCalculateChanges: true,
      position: window.position,
      ids: window.ids,
      ...(calculateTotal ? { total: all.length } : {}),
    };
  },
};

/**
 * RFC 8621 §2.4 Mailbox/queryChanges: every filter and sort property is the mailbox's own, so the
 * Mailbox changes since the query state and the query run again give the difference exactly.
 */
export const mailboxQueryChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const asked = readQueryChangesArgs(args);
    const changes = await changedSince(ctx, access.accountId, 'Mailbox', asked.sinceQueryState);
    const now = await mailboxQueryIds(ctx, access, args);
    // Names and subscriptions change, so upToId cannot cut the additions short.
    const delta = queryDelta(now, mailboxObjectId, changes, { upToId: asked.upToId, maxChanges: asked.maxChanges, immutable: false });
    return {
      accountId: accountIdOf(access.accountId),
      oldQueryState: asked.sinceQueryState,
      newQueryState: changes.newState,
      ...(asked.calculateTotal ? { total: now.length } : {}),
      ...delta,
    };
  },
};
