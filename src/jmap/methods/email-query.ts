import { countEmails, queryEmails, type EmailFilter, type EmailSort, type EmailSortKey } from '../../mail/email-query.ts';
import { emailObjectId, parseMailboxObjectId } from '../../mail/object-ids.ts';
import { accountIdOf } from '../account-ids.ts';
import { EMAIL_SORT_OPTIONS, MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { accessOf, type AccountAccess } from '../account-access.ts';
import { optionalBoolean, optionalInt, queryWindow, stateOf, type Args } from './common.ts';
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

/**
 * RFC 8621 §4.4 Email/query. Only as many rows are read as the window needs, so the first page of
 * a 100,000-message mailbox costs what a 100-message one does; `total` is counted only when asked.
 */
export const emailQuery: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const filter = visibleFilter(access, readEmailFilter(args));
    const sort: EmailSort[] = parseSort(args.sort, EMAIL_SORT_OPTIONS).map((c) => ({ key: c.property as EmailSortKey, ascending: c.isAscending, ...(c.keyword ? { keyword: c.keyword } : {}) }));
    const collapseThreads = optionalBoolean(args, 'collapseThreads', false);
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
      canCalculateChanges: false,
      position: window.position,
      ids: window.ids,
      ...(total !== null ? { total } : {}),
      ...(asked === null || asked > MAX_LIMIT ? { limit } : {}),
    };
  },
};

export const emailQueryChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    await accessOf(args, ctx);
    throw new MethodError('cannotCalculateChanges', 'query results are not tracked; run the query again');
  },
};
