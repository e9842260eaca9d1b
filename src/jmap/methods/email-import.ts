import { emailObjectId, threadObjectId } from '../../mail/object-ids.ts';
import { accessOf, mayOn, type AccountAccess } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { blobIdOf } from '../blob-ids.ts';
import { readBlobThrough } from '../blob-content.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { checkIfInState, SetFailure, stateOf, type Args } from './common.ts';
import { keywordSet, loadEmail, mailboxSet, mailWriteFailure } from './email-writes.ts';

const IMAP_NAMES: Record<string, string> = { $seen: '\\Seen', $flagged: '\\Flagged', $answered: '\\Answered', $draft: '\\Draft' };

export interface Placement {
  mailboxIds: number[];
  keywords: Set<string>;
  receivedAt?: number;
}

/** Reads the mailboxIds, keywords and receivedAt every new Email has (RFC 8621 §4.6, §4.8). */
export function readPlacement(object: Args, createdIds: Map<string, string>): Placement {
  const mailboxIds = [...mailboxSet(object.mailboxIds ?? null, createdIds)];
  if (mailboxIds.length === 0) throw new SetFailure('invalidProperties', 'an email must be in at least one mailbox', ['mailboxIds']);
  const keywords = object.keywords === undefined ? new Set<string>() : keywordSet(object.keywords);
  let receivedAt: number | undefined;
  if (object.receivedAt !== undefined) {
    receivedAt = typeof object.receivedAt === 'string' ? Date.parse(object.receivedAt) : NaN;
    if (Number.isNaN(receivedAt)) throw new SetFailure('invalidProperties', 'receivedAt must be a UTCDate', ['receivedAt']);
  }
  return { mailboxIds, keywords, receivedAt };
}

/**
 * Stores a whole message in its mailboxes with its keywords: an IMAP APPEND into the first,
 * copies into the others. Returns the server-set properties of the new Email.
 */
export async function storeMessage(ctx: JmapContext, accountId: number, raw: Buffer, placement: Placement): Promise<{ id: string; blobId: string; threadId: string; size: number }> {
  const { mailboxIds, keywords, receivedAt } = placement;
  const names = new Map((await ctx.services.mail.listMailboxes(accountId)).map((m) => [m.id, m.name]));
  if (mailboxIds.some((id) => !names.has(id))) throw new SetFailure('invalidProperties', 'no such mailbox', ['mailboxIds']);
  const flags = [...keywords].map((k) => IMAP_NAMES[k] ?? k);
  const entry = await ctx.services.mail.append(accountId, names.get(mailboxIds[0])!, raw, { flags, receivedAt }).catch(mailWriteFailure);
  for (const to of mailboxIds.slice(1)) await ctx.services.mail.copyEntries(accountId, mailboxIds[0], [entry.uid], to).catch(mailWriteFailure);
  const record = await loadEmail(ctx, accountId, entry.messageId);
  return { id: emailObjectId(record.id), blobId: blobIdOf(record.blobHash), threadId: threadObjectId(record.threadId), size: record.size };
}

/**
 * A new email's placement in a shared account (RFC 8621 §2 myRights): each mailbox needs
 * mayAddItems (i), else `forbidden`; keywords the principal may not set ($seen needs s, the others
 * w) are left off, as an IMAP APPEND there ignores such flags (RFC 4314 §4).
 */
export function placementIn(access: AccountAccess, placement: Placement): Placement {
  if (access.mailboxes === null) return placement;
  for (const id of placement.mailboxIds) if (!mayOn(access, id, 'i')) throw new SetFailure('forbidden', 'you may not add emails to this shared mailbox (needs the i right)', ['mailboxIds']);
  const allowed = (k: string) => placement.mailboxIds.every((m) => mayOn(access, m, k === '$seen' ? 's' : 'w'));
  return { ...placement, keywords: new Set([...placement.keywords].filter(allowed)) };
}

/** RFC 8621 §4.8 EmailImport: a message uploaded whole, stored as it is. */
export async function importEmail(ctx: JmapContext, access: AccountAccess, object: Args, createdIds: Map<string, string>): Promise<{ id: string; blobId: string; threadId: string; size: number }> {
  const known = ['blobId', 'mailboxIds', 'keywords', 'receivedAt'];
  const extra = Object.keys(object).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new SetFailure('invalidProperties', `cannot set ${extra.join(', ')}`, extra);
  if (typeof object.blobId !== 'string') throw new SetFailure('invalidProperties', 'blobId is required', ['blobId']);
  const placement = placementIn(access, readPlacement(object, createdIds));
  const raw = await readBlobThrough(ctx.services, access, ctx.principal.id, object.blobId);
  if (!raw) throw new SetFailure('blobNotFound', `no blob ${object.blobId}`, ['blobId']);
  return storeMessage(ctx, access.accountId, raw, placement);
}

/** RFC 8621 §4.8 Email/import. */
export const emailImport: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const emails = args.emails;
    if (typeof emails !== 'object' || emails === null || Array.isArray(emails)) throw invalidArguments('emails must map creation ids to EmailImport objects', 'emails');
    if (Object.keys(emails).length > 1000) throw new MethodError('requestTooLarge', 'at most 1000 emails per import');
    const oldState = await checkIfInState(args, ctx, accountId);
    const created: Record<string, Args> = {};
    const notCreated: Record<string, Args> = {};
    for (const [creationId, object] of Object.entries(emails as Record<string, unknown>)) {
      try {
        if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new SetFailure('invalidProperties', 'an EmailImport must be an object');
        const result = await importEmail(ctx, access, object as Args, createdIds);
        created[creationId] = result;
        createdIds.set(creationId, result.id);
      } catch (err) {
        if (err instanceof SetFailure) notCreated[creationId] = err.toSetError();
        else throw err;
      }
    }
    return { accountId: accountIdOf(accountId), oldState, newState: await stateOf(ctx, accountId), created, notCreated };
  },
};
