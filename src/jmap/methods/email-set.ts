import { parseEmailObjectId } from '../../mail/object-ids.ts';
import { accessOf, canSee, mayOn, type AccountAccess } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { type Args, attempt, checkIfInState, emptySetOutcome, readSetArgs, resolveCreationRef, SetFailure, stateOf } from './common.ts';
import { composeEmail } from './email-compose.ts';
import { keywordsOf } from './email-view.ts';
import { destroyEmail, keywordSet, loadEmail, mailboxNumber, mailboxSet, setKeywords, setMailboxes, validKeyword } from './email-writes.ts';
import type { EmailRecord } from '../../mail/email-views.ts';

/**
 * In a shared account each write needs its RFC 4314 right on every mailbox it touches, as IMAP
 * asks (RFC 8621 §2 myRights): a SetError `forbidden` otherwise.
 */
function requireOn(access: AccountAccess, mailboxIds: Iterable<number>, need: string, what: string): void {
  for (const id of mailboxIds) if (!mayOn(access, id, need)) throw new SetFailure('forbidden', `you may not ${what} in this shared mailbox (needs the ${need} right)`);
}

/** Keyword changes: $seen needs s, every other keyword w (RFC 4314 §4 STORE). */
function requireKeywordRights(access: AccountAccess, record: EmailRecord, before: Set<string>, after: Set<string>): void {
  const changed = [...before, ...after].filter((k) => before.has(k) !== after.has(k));
  if (changed.includes('$seen')) requireOn(access, record.mailboxIds, 's', 'change $seen');
  if (changed.some((k) => k !== '$seen')) requireOn(access, record.mailboxIds, 'w', 'change keywords');
}

/** RFC 6901 escapes in a patch path (RFC 8620 §5.3 PatchObject). */
function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies a PatchObject of keywords and mailboxIds (the only mutable Email properties, RFC 8621 §4.6). */
async function update(ctx: JmapContext, access: AccountAccess, id: string, patch: Args, createdIds: Map<string, string>): Promise<void> {
  const accountId = access.accountId;
  const messageId = parseEmailObjectId(id);
  if (messageId === null) throw new SetFailure('notFound', `no email ${id}`);
  const record = await loadEmail(ctx, accountId, messageId);
  const visible = record.mailboxIds.filter((m) => canSee(access, m));
  if (visible.length === 0) throw new SetFailure('notFound', `no email ${id}`);
  let keywords: Set<string> | null = null;
  let mailboxes: Set<number> | null = null;
  const currentKeywords = () => (keywords ??= new Set(Object.keys(keywordsOf(record.flags, record.keywords))));
  const currentMailboxes = () => (mailboxes ??= new Set(visible));
  for (const [path, value] of Object.entries(patch)) {
    const [property, ...rest] = path.split('/');
    const key = rest.length === 1 ? unescapePointer(rest[0]) : null;
    if (property === 'keywords' && rest.length === 0) keywords = keywordSet(value);
    else if (property === 'mailboxIds' && rest.length === 0) mailboxes = mailboxSet(value, createdIds);
    else if (property === 'keywords' && key !== null) {
      if (!validKeyword(key) || (value !== true && value !== null)) throw new SetFailure('invalidProperties', `bad keyword patch ${path}`, [path]);
      if (value === true) currentKeywords().add(key.toLowerCase());
      else currentKeywords().delete(key.toLowerCase());
    } else if (property === 'mailboxIds' && key !== null) {
      if (value !== true && value !== null) throw new SetFailure('invalidProperties', `bad mailbox patch ${path}`, [path]);
      const mailbox = mailboxNumber(key, createdIds);
      if (value === true) currentMailboxes().add(mailbox);
      else currentMailboxes().delete(mailbox);
    } else throw new SetFailure('invalidProperties', `${path} cannot be changed`, [path]);
  }
  if (mailboxes !== null) {
    const wanted: Set<number> = mailboxes;
    requireOn(access, [...wanted].filter((m) => !visible.includes(m)), 'i', 'add emails');
    requireOn(access, visible.filter((m) => !wanted.has(m)), 'te', 'remove emails');
    // Entries in mailboxes the principal cannot see stay where they are.
    for (const m of record.mailboxIds) if (!visible.includes(m)) wanted.add(m);
    await setMailboxes(ctx, accountId, record, wanted);
  }
  if (keywords !== null) {
    requireKeywordRights(access, record, new Set(Object.keys(keywordsOf(record.flags, record.keywords))), keywords);
    await setKeywords(ctx, accountId, record, keywords);
  }
}

/**
 * RFC 8621 §4.6 Email/set: keyword and mailbox changes and destroys run as the IMAP writes would
 * (STORE, COPY/MOVE, EXPUNGE); create builds the message from its properties (email-compose.ts).
 */
export const emailSet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const { create, update: updates, destroy } = readSetArgs(args);
    const oldState = await checkIfInState(args, ctx, accountId);
    const outcome = emptySetOutcome();
    const { created, notCreated, updated, notUpdated, destroyed, notDestroyed } = outcome;
    for (const [creationId, object] of Object.entries(create)) {
      await attempt(
        async () => {
          requireOn(access, mailboxSet(object.mailboxIds ?? null, createdIds), 'i', 'add emails');
          const result = await composeEmail(ctx, accountId, object, createdIds);
          created[creationId] = result;
          createdIds.set(creationId, result.id);
        },
        (error) => (notCreated[creationId] = error),
      );
    }
    for (const [id, patch] of Object.entries(updates)) {
      await attempt(
        async () => {
          await update(ctx, access, resolveCreationRef(id, createdIds) ?? id, patch, createdIds);
          updated[id] = null;
        },
        (error) => (notUpdated[id] = error),
      );
    }
    for (const id of destroy) {
      await attempt(
        async () => {
          const messageId = parseEmailObjectId(resolveCreationRef(id, createdIds) ?? id);
          if (messageId === null) throw new SetFailure('notFound', `no email ${id}`);
          if (access.mailboxes !== null) {
            const record = await loadEmail(ctx, accountId, messageId);
            if (!record.mailboxIds.some((m) => canSee(access, m))) throw new SetFailure('notFound', `no email ${id}`);
            requireOn(access, record.mailboxIds, 'te', 'destroy emails');
          }
          await destroyEmail(ctx, accountId, messageId);
          destroyed.push(id);
        },
        (error) => (notDestroyed[id] = error),
      );
    }
    return {
      accountId: accountIdOf(accountId),
      oldState,
      newState: await stateOf(ctx, accountId),
      ...outcome,
    };
  },
};
