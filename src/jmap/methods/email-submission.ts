// RFC 8621 §7 EmailSubmission/get, /changes, /query, /queryChanges, /set. A submission is sent
// as it is created (undoStatus "final", no delayed send), so it can be destroyed, never canceled.
import { destroySubmission, listSubmissions, recordSubmission, submissionChanges, submissionState, type SubmissionRecord } from '../../delivery/email-submissions.ts';
import { personalAccountOf } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { announceAccountChange } from '../push-notify.ts';
import { SUBMISSION } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod, MethodCall } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { type Args, attempt, emptySetOutcome, optionalInt, optionalString, pick, queryWindow, readIds, readProperties, readSetArgs, requireInState, resolveCreationRef, SetFailure } from './common.ts';
import { emailSet } from './email-set.ts';
import { sendSubmission } from './email-submission-send.ts';

const PROPERTIES = ['id', 'identityId', 'emailId', 'threadId', 'envelope', 'sendAt', 'undoStatus', 'deliveryStatus', 'dsnBlobIds', 'mdnBlobIds'] as const;

export function submissionObjectId(id: number): string {
  return `S${id}`;
}

function parseSubmissionId(id: string): number | null {
  return /^S[1-9]\d{0,15}$/.test(id) ? Number(id.slice(1)) : null;
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toObject(record: SubmissionRecord): Args {
  return {
    id: submissionObjectId(record.id),
    identityId: record.identityId,
    emailId: record.emailId,
    threadId: record.threadId,
    envelope: record.envelope,
    sendAt: utcDate(record.sendAt),
    undoStatus: 'final',
    deliveryStatus: record.deliveryStatus,
    dsnBlobIds: [],
    mdnBlobIds: [],
  };
}

export const emailSubmissionGet: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx, createdIds }) {
    const accountId = await personalAccountOf(args, ctx);
    const ids = readIds(args, 'ids', createdIds);
    const properties = readProperties(args, PROPERTIES, PROPERTIES);
    const db = ctx.services.store.db;
    const byId = new Map((await listSubmissions(db, accountId)).map((r) => [submissionObjectId(r.id), r]));
    const wanted = ids ?? [...byId.keys()];
    return {
      accountId: accountIdOf(accountId),
      state: await submissionState(db, accountId),
      list: wanted.filter((id) => byId.has(id)).map((id) => pick(toObject(byId.get(id)!), properties)),
      notFound: wanted.filter((id) => !byId.has(id)),
    };
  },
};

export const emailSubmissionChanges: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const since = optionalString(args, 'sinceState');
    if (since === null) throw invalidArguments('sinceState is required', 'sinceState');
    const maxChanges = optionalInt(args, 'maxChanges', null, 1) ?? 10_000;
    const db = ctx.services.store.db;
    if (!/^\d+$/.test(since) || Number(since) > Number(await submissionState(db, accountId))) throw new MethodError('cannotCalculateChanges', `unknown state ${since}`);
    const changes = await submissionChanges(db, accountId, Number(since), maxChanges);
    return {
      accountId: accountIdOf(accountId),
      oldState: since,
      newState: String(changes.newState),
      hasMoreChanges: changes.hasMore,
      created: changes.created.map(submissionObjectId),
      updated: [],
      destroyed: changes.destroyed.map(submissionObjectId),
    };
  },
};

function stringList(filter: Args, name: string): Set<string> | null {
  const value = filter[name];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalidArguments(`${name} must be a list of ids`, 'filter');
  return new Set(value as string[]);
}

/** RFC 8621 §7.3 FilterCondition; operators (AND/OR/NOT) nest conditions. */
function matcher(filter: Args): (record: SubmissionRecord) => boolean {
  if (typeof filter.operator === 'string') {
    if (!Array.isArray(filter.conditions)) throw invalidArguments('conditions must be a list', 'filter');
    const parts = (filter.conditions as Args[]).map(matcher);
    if (filter.operator === 'AND') return (r) => parts.every((p) => p(r));
    if (filter.operator === 'OR') return (r) => parts.some((p) => p(r));
    if (filter.operator === 'NOT') return (r) => !parts.some((p) => p(r));
    throw invalidArguments(`unknown operator ${filter.operator}`, 'filter');
  }
  const identityIds = stringList(filter, 'identityIds');
  const emailIds = stringList(filter, 'emailIds');
  const threadIds = stringList(filter, 'threadIds');
  const date = (name: string) => {
    const value = filter[name];
    if (value === undefined || value === null) return null;
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw invalidArguments(`${name} must be a UTCDate`, 'filter');
    return ms;
  };
  const before = date('before');
  const after = date('after');
  const undoStatus = filter.undoStatus;
  for (const key of Object.keys(filter)) if (!['identityIds', 'emailIds', 'threadIds', 'undoStatus', 'before', 'after'].includes(key)) throw new MethodError('unsupportedFilter', `unknown filter ${key}`);
  return (r) =>
    (identityIds === null || identityIds.has(r.identityId)) &&
    (emailIds === null || emailIds.has(r.emailId)) &&
    (threadIds === null || threadIds.has(r.threadId)) &&
    (undoStatus === undefined || undoStatus === null || undoStatus === 'final') &&
    (before === null || r.sendAt < before) &&
    (after === null || r.sendAt >= after);
}

const SORT_KEYS: Record<string, (r: SubmissionRecord) => string | number> = { emailId: (r) => r.emailId, threadId: (r) => r.threadId, sentAt: (r) => r.sendAt };

export const emailSubmissionQuery: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const db = ctx.services.store.db;
    const filter = args.filter === undefined || args.filter === null ? null : args.filter;
    if (filter !== null && (typeof filter !== 'object' || Array.isArray(filter))) throw invalidArguments('filter must be an object', 'filter');
    const matches = filter === null ? () => true : matcher(filter as Args);
    const records = (await listSubmissions(db, accountId)).filter(matches);
    const sort = args.sort === undefined || args.sort === null ? [] : args.sort;
    if (!Array.isArray(sort)) throw invalidArguments('sort must be a list', 'sort');
    const comparators = (sort as Args[]).map((c) => {
      const key = typeof c.property === 'string' ? SORT_KEYS[c.property] : undefined;
      if (!key) throw new MethodError('unsupportedSort', `cannot sort by ${String(c.property)}`);
      const sign = c.isAscending === false ? -1 : 1;
      return (a: SubmissionRecord, b: SubmissionRecord) => {
        const x = key(a);
        const y = key(b);
        return x < y ? -sign : x > y ? sign : 0;
      };
    });
    records.sort((a, b) => comparators.reduce((result, compare) => result || compare(a, b), 0) || a.id - b.id);
    const ids = records.map((r) => submissionObjectId(r.id));
    const window = queryWindow(ids, args);
    return {
      accountId: accountIdOf(accountId),
      queryState: await submissionState(db, accountId),
      canCalculateChanges: false,
      position: window.position,
      ids: window.ids,
      ...(args.calculateTotal === true ? { total: ids.length } : {}),
    };
  },
};

export const emailSubmissionQueryChanges: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx }) {
    await personalAccountOf(args, ctx);
    throw new MethodError('cannotCalculateChanges', 'submission query results are not tracked; run the query again');
  },
};

/** Applies onSuccessUpdateEmail / onSuccessDestroyEmail as one implicit Email/set (RFC 8621 §7.5). */
async function onSuccess(args: Args, call: MethodCall<JmapContext>, accountId: string, emailOf: (submissionRef: string) => string | null): Promise<void> {
  const updates = args.onSuccessUpdateEmail ?? null;
  const destroys = args.onSuccessDestroyEmail ?? null;
  if (updates !== null && (typeof updates !== 'object' || Array.isArray(updates))) throw invalidArguments('onSuccessUpdateEmail must map submission ids to patches', 'onSuccessUpdateEmail');
  if (destroys !== null && (!Array.isArray(destroys) || !destroys.every((d) => typeof d === 'string'))) throw invalidArguments('onSuccessDestroyEmail must be a list of submission ids', 'onSuccessDestroyEmail');
  const update: Record<string, Args> = {};
  for (const [ref, patch] of Object.entries((updates ?? {}) as Record<string, Args>)) {
    const emailId = emailOf(ref);
    if (emailId !== null) update[emailId] = patch;
  }
  const destroy = ((destroys ?? []) as string[]).map(emailOf).filter((id): id is string => id !== null);
  if (Object.keys(update).length === 0 && destroy.length === 0) return;
  call.emit('Email/set', await emailSet.run({ accountId, update, destroy }, call));
}

export const emailSubmissionSet: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, call) {
    const { session: ctx, createdIds } = call;
    const accountId = await personalAccountOf(args, ctx);
    const db = ctx.services.store.db;
    const { create, update, destroy } = readSetArgs(args);
    const oldState = await submissionState(db, accountId);
    requireInState(args, oldState);
    const outcome = emptySetOutcome();
    const { created, notCreated, updated, notUpdated, destroyed, notDestroyed } = outcome;
    /** Submission id -> its email's id, for the onSuccess arguments. */
    const emailOfSubmission = new Map<string, string>();
    for (const [creationId, object] of Object.entries(create)) {
      await attempt(
        async () => {
          const sent = await sendSubmission(ctx, accountId, object, createdIds);
          const id = submissionObjectId(await recordSubmission(db, accountId, sent));
          createdIds.set(creationId, id);
          emailOfSubmission.set(id, sent.emailId);
          created[creationId] = { id, threadId: sent.threadId, sendAt: utcDate(sent.sendAt), undoStatus: 'final', ...(object.envelope ? {} : { envelope: sent.envelope }), deliveryStatus: sent.deliveryStatus, dsnBlobIds: [], mdnBlobIds: [] };
        },
        (error) => (notCreated[creationId] = error),
      );
    }
    const existing = new Map((await listSubmissions(db, accountId)).map((r) => [submissionObjectId(r.id), r]));
    for (const [ref, patch] of Object.entries(update)) {
      const id = resolveCreationRef(ref, createdIds) ?? ref;
      await attempt(
        async () => {
          const record = existing.get(id);
          if (!record) throw new SetFailure('notFound', `no submission ${ref}`);
          if (Object.keys(patch).some((k) => k !== 'undoStatus')) throw new SetFailure('invalidProperties', 'only undoStatus can be changed', Object.keys(patch).filter((k) => k !== 'undoStatus'));
          if (patch.undoStatus !== 'final') throw new SetFailure('cannotUnsend', 'the message was sent as it was submitted and cannot be recalled');
          emailOfSubmission.set(id, record.emailId);
          updated[ref] = null;
        },
        (error) => (notUpdated[ref] = error),
      );
    }
    for (const ref of destroy) {
      const id = resolveCreationRef(ref, createdIds) ?? ref;
      await attempt(
        async () => {
          const number = parseSubmissionId(id);
          if (number === null || !(await destroySubmission(db, accountId, number))) throw new SetFailure('notFound', `no submission ${ref}`);
          destroyed.push(ref);
        },
        (error) => (notDestroyed[ref] = error),
      );
    }
    const newState = await submissionState(db, accountId);
    if (newState !== oldState) await announceAccountChange(ctx, accountId);
    // Only submissions that succeeded in this call count (RFC 8621 §7.5: "if the create/update/destroy succeeds").
    await onSuccess(args, call, accountIdOf(accountId), (ref) => emailOfSubmission.get(resolveCreationRef(ref, createdIds) ?? ref) ?? null);
    return { accountId: accountIdOf(accountId), oldState, newState, ...outcome };
  },
};
