import { threadObjectId } from '../../mail/object-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { standardChanges } from './common.ts';

/** RFC 8621 §3.2 Thread/changes: threads created or joined by a new email. */
export const threadChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  run: (args, { session: ctx }) => standardChanges(args, ctx, 'Thread', threadObjectId),
};
