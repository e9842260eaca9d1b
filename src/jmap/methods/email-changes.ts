import { readEmails } from '../../mail/email-views.ts';
import { emailObjectId, parseEmailObjectId } from '../../mail/object-ids.ts';
import { accessOf, canSee, type AccountAccess } from '../account-access.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { standardChanges, type Args } from './common.ts';

/**
 * In a shared account only emails in mailboxes the principal may see exist for it (RFC 8621 §2):
 * a changed email that is not (or no longer) in one is reported destroyed, never created or
 * updated, so nothing of the other mailboxes leaks.
 */
async function visibleChanges(ctx: JmapContext, access: AccountAccess, changes: Args): Promise<Args> {
  if (access.mailboxes === null) return changes;
  const created = changes.created as string[];
  const updated = changes.updated as string[];
  const numeric = [...created, ...updated].map(parseEmailObjectId).filter((id) => id !== null);
  const records = await readEmails(ctx.services.store.db, access.accountId, numeric);
  const visible = new Set([...records.values()].filter((r) => r.mailboxIds.some((m) => canSee(access, m))).map((r) => emailObjectId(r.id)));
  const hidden = [...created, ...updated].filter((id) => !visible.has(id));
  return { ...changes, created: created.filter((id) => visible.has(id)), updated: updated.filter((id) => visible.has(id)), destroyed: [...(changes.destroyed as string[]), ...hidden] };
}

/** RFC 8621 §4.3 Email/changes: IMAP flag changes, moves and expunges show here too. */
export const emailChanges: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    return visibleChanges(ctx, access, await standardChanges(args, ctx, 'Email', emailObjectId, access.accountId));
  },
};
