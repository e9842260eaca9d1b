import { mailboxObjectId } from '../../mail/object-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { accessOf } from '../account-access.ts';
import { standardChanges } from './common.ts';

/** RFC 8621 §2.2 Mailbox/changes; every change also moves the counts, so updatedProperties stays null. */
export const mailboxChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    return { ...(await standardChanges(args, ctx, 'Mailbox', mailboxObjectId, (await accessOf(args, ctx)).accountId)), updatedProperties: null };
  },
};
