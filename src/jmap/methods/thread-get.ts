import { readEmails, threadMembers } from '../../mail/email-views.ts';
import { emailObjectId, parseThreadObjectId } from '../../mail/object-ids.ts';
import { accessOf, canSee, type AccountAccess } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments } from '../proto/errors.ts';
import { pick, readIds, readProperties, stateOf } from './common.ts';

/**
 * Each thread's emails as the principal sees the account: in a shared one only the emails in
 * mailboxes it may see belong to a thread (RFC 8621 §2), and a thread with none of them does not exist.
 */
export async function visibleThreads(ctx: JmapContext, access: AccountAccess, threadIds: readonly number[]): Promise<Map<number, number[]>> {
  const members = await threadMembers(ctx.services.store.db, access.accountId, threadIds);
  if (access.mailboxes === null) return members;
  const records = await readEmails(ctx.services.store.db, access.accountId, [...members.values()].flat());
  const visible = (id: number) => records.get(id)?.mailboxIds.some((m) => canSee(access, m)) ?? false;
  const result = new Map<number, number[]>();
  for (const [threadId, emails] of members) {
    const shown = emails.filter(visible);
    if (shown.length > 0) result.set(threadId, shown);
  }
  return result;
}

/** RFC 8621 §3.1 Thread/get: each thread's emails, oldest first. */
export const threadGet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const ids = readIds(args, 'ids', createdIds);
    if (ids === null) throw invalidArguments('Thread/get needs ids', 'ids');
    const properties = readProperties(args, ['id', 'emailIds'], ['id', 'emailIds']);
    const state = await stateOf(ctx, accountId);
    const numeric = ids.map((id) => parseThreadObjectId(id));
    const members = await visibleThreads(ctx, access, numeric.filter((n) => n !== null));
    const list: Record<string, unknown>[] = [];
    const notFound: string[] = [];
    for (const [i, id] of ids.entries()) {
      const emails = numeric[i] === null ? undefined : members.get(numeric[i]!);
      if (emails) list.push(pick({ id, emailIds: emails.map(emailObjectId) }, properties));
      else notFound.push(id);
    }
    return { accountId: accountIdOf(accountId), state, list, notFound };
  },
};
