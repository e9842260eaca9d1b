import { readEmails } from '../../mail/email-views.ts';
import { parseMessage } from '../../mail/mime/index.ts';
import { parseEmailObjectId } from '../../mail/object-ids.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments } from '../proto/errors.ts';
import { accessOf, canSee } from '../account-access.ts';
import { optionalBoolean, optionalInt, readIds, readProperties, stateOf, type Args } from './common.ts';
import { BODY_PART_PROPERTIES, DEFAULT_BODY_PART_PROPERTIES, DEFAULT_EMAIL_PROPERTIES, EMAIL_PROPERTIES, emailObject, isHeaderProperty, needsMessage, type BodyOptions } from './email-view.ts';

function bodyOptions(args: Args): BodyOptions {
  const value = args.bodyProperties;
  let bodyProperties = DEFAULT_BODY_PART_PROPERTIES;
  if (value !== undefined && value !== null) {
    if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && ((BODY_PART_PROPERTIES as readonly string[]).includes(p) || isHeaderProperty(p)))) {
      throw invalidArguments('bodyProperties must list EmailBodyPart properties', 'bodyProperties');
    }
    bodyProperties = value as string[];
  }
  return {
    bodyProperties,
    fetchTextBodyValues: optionalBoolean(args, 'fetchTextBodyValues', false),
    fetchHTMLBodyValues: optionalBoolean(args, 'fetchHTMLBodyValues', false),
    fetchAllBodyValues: optionalBoolean(args, 'fetchAllBodyValues', false),
    maxBodyValueBytes: optionalInt(args, 'maxBodyValueBytes', 0, 0) ?? 0,
  };
}

/**
 * RFC 8621 §4.2 Email/get. List properties (from, subject, preview, keywords ...) come from the
 * stored row; the message bytes are read and parsed only for body parts, values and raw headers.
 */
export const emailGet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const ids = readIds(args, 'ids', createdIds);
    if (ids === null) throw invalidArguments('Email/get needs ids (an account holds too many emails to return all)', 'ids');
    const properties = readProperties(args, EMAIL_PROPERTIES, DEFAULT_EMAIL_PROPERTIES, isHeaderProperty);
    const body = bodyOptions(args);
    const state = await stateOf(ctx, accountId);
    const numeric = ids.map((id) => parseEmailObjectId(id));
    const records = await readEmails(ctx.services.store.db, accountId, numeric.filter((n) => n !== null));
    const parse = needsMessage(properties);
    const list: Record<string, unknown>[] = [];
    const notFound: string[] = [];
    for (const [i, id] of ids.entries()) {
      const stored = numeric[i] === null ? undefined : records.get(numeric[i]!);
      // In a shared account an email exists only in the mailboxes the principal may see.
      const mailboxIds = stored?.mailboxIds.filter((m) => canSee(access, m)) ?? [];
      const record = stored && mailboxIds.length > 0 ? { ...stored, mailboxIds } : undefined;
      if (!record) {
        notFound.push(id);
        continue;
      }
      let message = null;
      if (parse) {
        const raw = await ctx.services.store.blobs.read(record.blobHash);
        message = { raw, parsed: parseMessage(raw) };
      }
      list.push(emailObject(record, properties, message, body));
    }
    return { accountId: accountIdOf(accountId), state, list, notFound };
  },
};
