import type { JmapMethod } from '../dispatcher.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import { accountIdOf } from '../account-ids.ts';
import { accessOf } from '../account-access.ts';
import { pick, readIds, readProperties, stateOf } from './common.ts';
import { MAILBOX_PROPERTIES, mailboxObjects } from './mailbox-view.ts';

/** RFC 8621 §2.1 Mailbox/get. */
export const mailboxGet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const ids = readIds(args, 'ids', createdIds);
    const properties = readProperties(args, MAILBOX_PROPERTIES, MAILBOX_PROPERTIES);
    const state = await stateOf(ctx, accountId);
    const all = await mailboxObjects(ctx, access, properties.includes('totalThreads') || properties.includes('unreadThreads'));
    const wanted = ids ?? [...all.keys()];
    return {
      accountId: accountIdOf(accountId),
      state,
      list: wanted.filter((id) => all.has(id)).map((id) => pick(all.get(id)!, properties)),
      notFound: wanted.filter((id) => !all.has(id)),
    };
  },
};
