import { threadMembers } from '../../mail/email-views.ts';
import { emailObjectId, parseThreadObjectId } from '../../mail/object-ids.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments } from '../proto/errors.ts';
import { accountOf, pick, readIds, readProperties, stateOf } from './common.ts';

/** RFC 8621 §3.1 Thread/get: each thread's emails, oldest first. */
export const threadGet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const accountId = accountOf(args, ctx);
    const ids = readIds(args, 'ids', createdIds);
    if (ids === null) throw invalidArguments('Thread/get needs ids', 'ids');
    const properties = readProperties(args, ['id', 'emailIds'], ['id', 'emailIds']);
    const state = await stateOf(ctx, accountId);
    const numeric = ids.map((id) => parseThreadObjectId(id));
    const members = await threadMembers(ctx.services.store.db, accountId, numeric.filter((n) => n !== null));
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
