import { readEmails } from '../../mail/email-views.ts';
import { parseEmailObjectId } from '../../mail/object-ids.ts';
import { accessOf, mayOn, type AccountAccess } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { type Args, attempt, checkIfInState, optionalBoolean, optionalString, SetFailure, stateOf } from './common.ts';
import { placementIn, readPlacement, storeMessage } from './email-import.ts';
import { emailSet } from './email-set.ts';
import { keywordsOf } from './email-view.ts';

const COPYABLE = ['id', 'mailboxIds', 'keywords', 'receivedAt'];

/** The other account of a /copy; one the principal does not reach is fromAccountNotFound (RFC 8620 §5.4). */
async function fromAccessOf(args: Args, ctx: JmapContext): Promise<AccountAccess> {
  const fromAccountId = optionalString(args, 'fromAccountId');
  if (fromAccountId === null) throw invalidArguments('fromAccountId is required', 'fromAccountId');
  try {
    return await accessOf({ accountId: fromAccountId }, ctx);
  } catch (err) {
    if (err instanceof MethodError && err.type === 'accountNotFound') throw new MethodError('fromAccountNotFound', `no account ${fromAccountId}`);
    throw err;
  }
}

/**
 * One copy: the original must be readable (r on one of its mailboxes), each target mailbox must
 * take new emails (i). Keywords and receivedAt are the original's unless the create names others
 * (RFC 8621 §4.7); the message is stored anew in the target account, charged to its quota.
 */
async function copyOne(ctx: JmapContext, from: AccountAccess, to: AccountAccess, object: Args, createdIds: Map<string, string>): Promise<{ id: string; blobId: string; threadId: string; size: number }> {
  const extra = Object.keys(object).filter((k) => !COPYABLE.includes(k));
  if (extra.length > 0) throw new SetFailure('invalidProperties', `cannot set ${extra.join(', ')} in a copy`, extra);
  const sourceId = typeof object.id === 'string' ? parseEmailObjectId(object.id) : null;
  if (sourceId === null) throw new SetFailure('invalidProperties', 'id must name the email to copy', ['id']);
  const record = (await readEmails(ctx.services.store.db, from.accountId, [sourceId])).get(sourceId);
  if (!record || !record.mailboxIds.some((m) => mayOn(from, m, 'r'))) throw new SetFailure('notFound', `no email ${String(object.id)} in ${accountIdOf(from.accountId)}`);
  const placement = readPlacement(
    {
      mailboxIds: object.mailboxIds,
      keywords: object.keywords ?? keywordsOf(record.flags, record.keywords),
      receivedAt: object.receivedAt ?? new Date(record.receivedAt).toISOString(),
    },
    createdIds,
  );
  const raw = await ctx.services.store.blobs.read(record.blobHash);
  return storeMessage(ctx, to.accountId, raw, placementIn(to, placement));
}

/**
 * RFC 8621 §4.7 Email/copy between accounts (one's own and those shared with one, either way),
 * with onSuccessDestroyOriginal as an implicit Email/set in the source account (RFC 8620 §5.4).
 */
export const emailCopy: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, call) {
    const { session: ctx, createdIds } = call;
    const from = await fromAccessOf(args, ctx);
    const to = await accessOf(args, ctx);
    if (from.accountId === to.accountId) throw invalidArguments('fromAccountId and accountId must differ; Email/set moves emails within an account', 'fromAccountId');
    const ifFromInState = optionalString(args, 'ifFromInState');
    if (ifFromInState !== null && ifFromInState !== (await stateOf(ctx, from.accountId))) throw new MethodError('stateMismatch', 'the source account has changed since ifFromInState');
    const oldState = await checkIfInState(args, ctx, to.accountId);
    const create = args.create;
    if (typeof create !== 'object' || create === null || Array.isArray(create) || !Object.values(create).every((o) => typeof o === 'object' && o !== null && !Array.isArray(o))) {
      throw invalidArguments('create must map creation ids to Email objects', 'create');
    }
    const destroyOriginal = optionalBoolean(args, 'onSuccessDestroyOriginal', false);
    const destroyFromIfInState = optionalString(args, 'destroyFromIfInState');
    const created: Record<string, Args> = {};
    const notCreated: Record<string, Args> = {};
    const copied: string[] = [];
    for (const [creationId, object] of Object.entries(create as Record<string, Args>)) {
      await attempt(
        async () => {
          const result = await copyOne(ctx, from, to, object, createdIds);
          created[creationId] = result;
          createdIds.set(creationId, result.id);
          copied.push(String(object.id));
        },
        (error) => (notCreated[creationId] = error),
      );
    }
    const response = {
      fromAccountId: accountIdOf(from.accountId),
      accountId: accountIdOf(to.accountId),
      oldState,
      newState: await stateOf(ctx, to.accountId),
      created: Object.keys(created).length > 0 ? created : null,
      notCreated: Object.keys(notCreated).length > 0 ? notCreated : null,
    };
    if (destroyOriginal && copied.length > 0) {
      const destroy = { accountId: accountIdOf(from.accountId), destroy: copied, ...(destroyFromIfInState !== null ? { ifInState: destroyFromIfInState } : {}) };
      try {
        call.emit('Email/set', await emailSet.run(destroy, call));
      } catch (err) {
        if (!(err instanceof MethodError)) throw err;
        call.emit('error', err.toArguments());
      }
    }
    return response;
  },
};
