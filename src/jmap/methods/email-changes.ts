import { emailObjectId } from '../../mail/object-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { standardChanges } from './common.ts';

/** RFC 8621 §4.3 Email/changes: IMAP flag changes, moves and expunges show here too. */
export const emailChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  run: (args, { session: ctx }) => standardChanges(args, ctx, 'Email', emailObjectId),
};
