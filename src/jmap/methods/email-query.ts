import { countEmails, queryEmails, type EmailFilter, type EmailSort, type EmailSortKey } from '../../mail/email-query.ts';
import { emailObjectId, parseMailboxObjectId } from '../../mail/object-ids.ts';
import { accountIdOf } from '../account-ids.ts';
import { EMAIL_SORT_OPTIONS, MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { accessOf, type AccountAccess } from '../account-access.ts';
import { optionalBoolean, optionalInt, queryWindow, stateOf, type Args } from './common.ts';
import { changedSince, queryDelta, readQueryChangesArgs } from './query-changes.ts';
import { parseFilter, parseSort, type Filter } from './filter.ts';

/** Results returned when the client sets no limit; the response's `limit` then says so (RFC 8620 §5.5). */
const MAX_LIMIT = 5000;

function badValue(name: string): never {
  throw invalidArguments(`bad value for filter property ${name}`, 'filter');
}

function utcDate(value: unknown, name: string): number {
  const time = typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? badValue(name) : time;
}

function str(value: unknown, name: string): string {
  return typeof value === 'string' ? value : badValue(name);
}

function mailboxNumber(value: unknown, name: string): number {
  // An id that is not a mailbox of ours matches nothing, as a mailbox without emails would.
  return parseMailboxObjectId(str(value, name)) ?? -1;
}

/** One FilterCondition (RFC 8621 §4.4.1): all its properties must hold. */
function parseCondition(raw: Args): EmailFilter {
  const parts: EmailFilter[] = [];
  for (const [name, value] of Object.entries(raw)) {
    switch (name) {
      case 'inMailbox':
        parts.push({ type: 'inMailbox', mailboxId: mailboxNumber(value, name) });
        break;
      case 'inMailboxOtherThan':
        if (!Array.isArray(value)) badValue(name);
        parts.push({ type: 'inMailboxOtherThan', mailboxIds: (value as unknown[]).map((v) => mailboxNumber(v, name)) });
        break;
      case 'before':
      case 'after':
        parts.push({ type: name, time: utcDate(value, name) });
        break;
      case 'minSize':
      case 'maxSize':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) badValue(name);
        parts.push({ type: name, bytes: value as number });
        break;
      case 'hasKeyword':
      case 'notKeyword':
        parts.push({ type: 'keyword', keyword: str(value, name), set: name === 'hasKeyword' });
        break;
      case 'allInThreadHaveKeyword':
      case 'someInThreadHaveKeyword':
      case 'noneInThreadHaveKeyword':
        parts.push({ type: 'threadKeyword', keyword: str(value, name), mode: name === 'allInThreadHaveKeyword' ? 'all' : name === 'someInThreadHaveKeyword' ? 'some' : 'none' });
        break;
      case 'hasAttachment':
        if (typeof value !== 'boolean') badValue(name);
        parts.push({ type: 'hasAttachment', value: value as boolean });
        break;
      case 'text':
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
      case 'subject':
      case 'body':
        parts.push({ type: 'text', scope: name, value: str(value, name) });
        break;
      case 'header': {
        if (!Array.isArray(value) || value.length < 1 || value.length > 2 || !value.every((v) => typeof v === 'string')) badValue(name);
        const [field, contains] = value as string[];
        parts.push({ type: 'header', name: field, value: contains ?? null });
        break;
      }
      default:
        throw new MethodError('unsupportedFilter', `unknown Email filter property ${name}`);
    }
  }
  return parts.length === 1 ? parts[0] : { op: 'and', filters: parts };
}

function toEmailFilter(filter: Filter<EmailFilter> | null): EmailFilter | null {
  if (filter === null) return null;
  if ('condition' in filter) return filter.condition;
  const op = filter.operator === 'AND' ? 'and' : filter.operator === 'OR' ? 'or' : 'not';
  return { op, filters: filter.conditions.map((c) => toEmailFilter(c)!) };
}

/** The filter argument as the mail core's EmailFilter; SearchSnippet/get reads the same. */
export function readEmailFilter(args: Args): EmailFilter | null {
  return toEmailFilter(parseFilter(args.filter, parseCondition));
}

/** In a shared account only emails in the mailboxes the principal may see match (RFC 8621 §2). */
export function visibleFilter(access: AccountAccess, filter: EmailFilter | null): EmailFilter | null {
  if (access.mailboxes === null) return filter;
  const visible: EmailFilter = { op: 'or', filters: [...access.mailboxes.keys()].map((mailboxId) => ({ type: 'inMailbox' as const, mailboxId })) };
  return filter === null ? visible : { op: 'and', filters: [visible, filter] };
}

/** What an Email/query (and its /queryChanges) asks, read once for both. */
interface EmailQueryArgs {
  filter: EmailFilter | null;
  sort: EmailSort[];
  collapseThreads: boolean;
}

function readQuery(access: AccountAccess, args: Args): EmailQueryArgs {
  return {
    filter: visibleFilter(access, readEmailFilter(args)),
    sort: parseSort(args.sort, EMAIL_SORT_OPTIONS).map((c) => ({ key: c.property as EmailSortKey, ascending: c.isAscending, ...(c.keyword ? { keyword: c.keyword } : {}) })),
    collapseThreads: optionalBoolean(args, 'collapseThreads', false),
  };
}

function someCondition(filter: EmailFilter | null, test: (type: string) => boolean): boolean {
  if (filter === null) return false;
  return 'op' in filter ? filter.filters.some((f) => someCondition(f, test)) : test(filter.type);
}

/**
 * Whether Email/queryChanges can work the results out from the change log (query-changes.ts):
 * only if whether an email matches and where it sorts depend on that email alone. A collapsed
 * thread's representative, and the thread keyword filters, depend on the thread's other emails.
 */
function changesCalculable(query: EmailQueryArgs): boolean {
  return !query.collapseThreads && !someCondition(query.filter, (type) => type === 'threadKeyword');
}

/** Filter and sort only on what never changes in an email (not its keywords or mailboxes): RFC 8620 §5.6 upToId. */
function immutableQuery(query: EmailQueryArgs): boolean {
  return !query.sort.some((s) => s.key === 'hasKeyword') && !someCondition(query.filter, (type) => ['keyword', 'threadKeyword', 'inMailbox', 'inMailboxOtherThan'].includes(type));
}

/**
 * RFC 8621 §4.4 Email/query. Only as many rows are read as the window needs, so the first page of
 * a 100,000-message mailbox costs what a 100-message one does; `total` is counted only when asked.
 */
export const emailQuery: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const query = readQuery(access, args);
    const { filter, sort, collapseThreads } = query;
    const calculateTotal = optionalBoolean(args, 'calculateTotal', false);
    const asked = optionalInt(args, 'limit', null, 0);
    const limit = asked === null ? MAX_LIMIT : Math.min(asked, MAX_LIMIT);
    const position = typeof args.position === 'number' ? args.position : 0;
    const anchored = typeof args.anchor === 'string';
    const needed = anchored || position < 0 ? null : position + limit;
    const queryState = await stateOf(ctx, accountId);
    const { ids, complete } = await queryEmails(ctx.services.store, accountId, filter, sort, { collapseThreads, needed });
    const window = queryWindow(ids.map(emailObjectId), { ...args, limit });
    const total = calculateTotal ? (complete ? ids.length : await countEmails(ctx.services.store, accountId, filter, collapseThreads)) : null;
    return {
      accountId: accountIdOf(accountId),
      queryState,
      canCalculateChanges: changesCalculable(query),
      position: window.position,
      ids: window.ids,
      ...(total !== null ? { total } : {}),
      ...(asked === null || asked > MAX_LIMIT ? { limit } : {}),
    };
  },
};

/**
 * RFC 8621 §4.5 Email/queryChanges: the Email changes since the query state, checked against the
 * query run again. Collapsed threads and thread keyword filters answer cannotCalculateChanges
 * (see changesCalculable); so does a state older than the change log holds.
 */
export const emailQueryChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const query = readQuery(access, args);
    const asked = readQueryChangesArgs(args);
    if (!changesCalculable(query)) throw new MethodError('cannotCalculateChanges', 'collapsed threads and thread keyword filters cannot be followed; run the query again');
    // The changes first: anything written while the query runs is reported again from newQueryState.
    const changes = await changedSince(ctx, accountId, 'Email', asked.sinceQueryState);
    // Known limit: in a shared account what matches also depends on the ACL, which moves no
    // email, so a grant given or taken away shows here only once the emails concerned change.
    const { ids } = await queryEmails(ctx.services.store, accountId, query.filter, query.sort, { collapseThreads: false, needed: null });
    const now = ids.map(emailObjectId);
    const delta = queryDelta(now, emailObjectId, changes, { upToId: asked.upToId, maxChanges: asked.maxChanges, immutable: immutableQuery(query) });
    return {
      accountId: accountIdOf(accountId),
      oldQueryState: asked.sinceQueryState,
      newQueryState: changes.newState,
      ...(asked.calculateTotal ? { total: now.length } : {}),
      ...delta,
    };
  },
};
