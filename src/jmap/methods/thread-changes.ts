import { parseThreadObjectId, threadObjectId } from '../../mail/object-ids.ts';
import { accessOf } from '../account-access.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { standardChanges } from './common.ts';
import { visibleThreads } from './thread-get.ts';

/**
 * RFC 8621 §3.2 Thread/changes: threads created or joined by a new email. In a shared account a
 * changed thread with no email the principal may see is reported destroyed, as Email/changes does.
 */
export const threadChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const changes = await standardChanges(args, ctx, 'Thread', threadObjectId, access.accountId);
    if (access.mailboxes === null) return changes;
    const created = changes.created as string[];
    const updated = changes.updated as string[];
    const visible = await visibleThreads(ctx, access, [...created, ...updated].map(parseThreadObjectId).filter((id) => id !== null));
    const shown = (id: string) => visible.has(parseThreadObjectId(id) ?? -1);
    return { ...changes, created: created.filter(shown), updated: updated.filter(shown), destroyed: [...(changes.destroyed as string[]), ...[...created, ...updated].filter((id) => !shown(id))] };
  },
};
