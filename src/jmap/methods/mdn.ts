// RFC 9007 MDN/send and MDN/parse: read receipts a user's client asks the server to send for an
// email that requested one (Disposition-Notification-To), and the fields of receipts received.
// The receipt goes out through the SMTP submission path, as an EmailSubmission would.
import { listIdentities, senderPrincipal, type Identity } from '../../directory/identities.ts';
import { DeliveryRefused } from '../../delivery/inbound.ts';
import { buildMdn, parseMdn, type MdnDisposition } from '../../delivery/mdn-format.ts';
import { messageByMessageId } from '../../mail/email-views.ts';
import { flattenAddresses, parseAddressList, parseMessage } from '../../mail/mime/index.ts';
import { emailObjectId, parseEmailObjectId } from '../../mail/object-ids.ts';
import { personalAccountOf } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { readAccountBlob } from '../blob-content.ts';
import { MDN } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { attempt, readIds, SetFailure, type Args } from './common.ts';
import { emailSet } from './email-set.ts';
import { keywordsOf } from './email-view.ts';
import { loadEmail } from './email-writes.ts';

const CLIENT_SET = ['forEmailId', 'subject', 'textBody', 'includeOriginalMessage', 'reportingUA', 'disposition', 'finalRecipient', 'extensionFields'];
const REPORTING_UA = 'Petrel; JMAP';

function readDisposition(value: unknown): MdnDisposition {
  const d = (typeof value === 'object' && value !== null ? value : {}) as Args;
  const ok =
    ['manual-action', 'automatic-action'].includes(String(d.actionMode)) &&
    ['mdn-sent-manually', 'mdn-sent-automatically'].includes(String(d.sendingMode)) &&
    ['deleted', 'dispatched', 'displayed', 'processed'].includes(String(d.type));
  if (!ok) throw new SetFailure('invalidProperties', 'disposition must be {actionMode, sendingMode, type} with RFC 8098 values', ['disposition']);
  return { actionMode: d.actionMode, sendingMode: d.sendingMode, type: d.type } as MdnDisposition;
}

function optionalText(object: Args, name: string): string | null {
  const value = object[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new SetFailure('invalidProperties', `${name} must be a string`, [name]);
  return value;
}

function readExtensionFields(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  const valid = typeof value === 'object' && !Array.isArray(value) && Object.entries(value).every(([k, v]) => /^[A-Za-z0-9-]+$/.test(k) && typeof v === 'string');
  if (!valid) throw new SetFailure('invalidProperties', 'extensionFields maps field names to strings', ['extensionFields']);
  return value as Record<string, string>;
}

/** One MDN (RFC 9007 §2.1): checks it, sends it, and returns the properties the server set. */
async function sendOne(ctx: JmapContext, accountId: number, identity: Identity, object: Args): Promise<{ emailId: string; set: Args }> {
  const extra = Object.keys(object).filter((k) => !CLIENT_SET.includes(k));
  if (extra.length > 0) throw new SetFailure('invalidProperties', `${extra.join(', ')} cannot be set`, extra);
  const messageId = typeof object.forEmailId === 'string' ? parseEmailObjectId(object.forEmailId) : null;
  if (messageId === null) throw new SetFailure('invalidProperties', 'forEmailId is required', ['forEmailId']);
  const disposition = readDisposition(object.disposition);
  const record = await loadEmail(ctx, accountId, messageId);
  if (keywordsOf(record.flags, record.keywords).$mdnsent) throw new SetFailure('mdnAlreadySent', 'an MDN was sent for this email already ($mdnsent)');
  const raw = await ctx.services.store.blobs.read(record.blobHash);
  const parsed = parseMessage(raw);
  const header = (name: string) => parsed.headers.find((h) => h.name.toLowerCase() === name)?.value.trim() ?? null;
  const [to] = flattenAddresses(parseAddressList(header('disposition-notification-to') ?? '')).filter((a) => a.address);
  if (!to) throw new SetFailure('invalidProperties', 'the email asks for no MDN (it has no Disposition-Notification-To)', ['forEmailId']);
  const subject = optionalText(object, 'subject') ?? `${disposition.type === 'displayed' ? 'Read' : `Disposition (${disposition.type})`}: ${parsed.subject}`;
  const textBody = optionalText(object, 'textBody') ?? `The message "${parsed.subject}" sent to ${identity.email} has been ${disposition.type}.\r\nThis is no guarantee that it has been read or understood.`;
  const includeOriginalMessage = object.includeOriginalMessage === true;
  const set = {
    subject,
    textBody,
    includeOriginalMessage,
    reportingUA: optionalText(object, 'reportingUA') ?? REPORTING_UA,
    mdnGateway: null,
    originalRecipient: header('original-recipient'),
    finalRecipient: optionalText(object, 'finalRecipient') ?? `rfc822; ${identity.email}`,
    originalMessageId: parsed.messageId ? `<${parsed.messageId}>` : null,
  };
  const message = buildMdn({
    ...set,
    from: identity.name ? `"${identity.name.replace(/["\\]/g, '')}" <${identity.email}>` : identity.email,
    to: to.address,
    disposition,
    error: null,
    extensionFields: readExtensionFields(object.extensionFields),
    original: includeOriginalMessage ? { raw, whole: true } : { raw: raw.subarray(0, parsed.headerSize), whole: false },
  });
  try {
    await ctx.services.submission.submit(
      await senderPrincipal(ctx.services.store.db, accountId),
      { mailFrom: identity.email, recipients: [{ address: to.address }], client: { remoteAddress: 'jmap', helo: 'jmap-api', secure: false } },
      message,
    );
  } catch (err) {
    if (!(err instanceof DeliveryRefused)) throw err;
    throw new SetFailure(err.enhanced === '5.1.1' ? 'invalidRecipients' : 'forbiddenToSend', err.message);
  }
  return { emailId: emailObjectId(record.id), set };
}

/** RFC 9007 §2.1 MDN/send, with onSuccessUpdateEmail as an implicit Email/set (as EmailSubmission/set does). */
export const mdnSend: JmapMethod<JmapContext> = {
  capability: MDN,
  async run(args, call) {
    const { session: ctx } = call;
    const accountId = await personalAccountOf(args, ctx);
    if (typeof args.identityId !== 'string') throw invalidArguments('identityId is required', 'identityId');
    const identity = (await listIdentities(ctx.services.store.db, accountId)).find((i) => i.id === args.identityId);
    if (!identity) throw invalidArguments(`no identity ${args.identityId}`, 'identityId');
    const toSend = args.send;
    if (typeof toSend !== 'object' || toSend === null || Array.isArray(toSend) || !Object.values(toSend).every((o) => typeof o === 'object' && o !== null && !Array.isArray(o))) {
      throw invalidArguments('send must map creation ids to MDN objects', 'send');
    }
    const updates = args.onSuccessUpdateEmail ?? null;
    if (updates !== null && (typeof updates !== 'object' || Array.isArray(updates))) throw invalidArguments('onSuccessUpdateEmail must map #creation ids to patches', 'onSuccessUpdateEmail');
    const sent: Record<string, Args> = {};
    const notSent: Record<string, Args> = {};
    const emailOf = new Map<string, string>();
    for (const [creationId, object] of Object.entries(toSend as Record<string, Args>)) {
      await attempt(
        async () => {
          const result = await sendOne(ctx, accountId, identity, object);
          sent[creationId] = result.set;
          emailOf.set(creationId, result.emailId);
        },
        (error) => (notSent[creationId] = error),
      );
    }
    // "#creationId" in onSuccessUpdateEmail stands for the email that MDN was sent for (RFC 9007 §2.1).
    const update: Record<string, Args> = {};
    for (const [ref, patch] of Object.entries((updates ?? {}) as Record<string, Args>)) {
      const emailId = ref.startsWith('#') ? emailOf.get(ref.slice(1)) : undefined;
      if (emailId) update[emailId] = patch;
    }
    const response = { accountId: accountIdOf(accountId), sent: Object.keys(sent).length > 0 ? sent : null, notSent: Object.keys(notSent).length > 0 ? notSent : null };
    if (Object.keys(update).length > 0) {
      try {
        call.emit('Email/set', await emailSet.run({ accountId: accountIdOf(accountId), update }, call));
      } catch (err) {
        if (!(err instanceof MethodError)) throw err;
        call.emit('error', err.toArguments());
      }
    }
    return response;
  },
};

/** RFC 9007 §2.2 MDN/parse: the MDN fields of received receipts, with the email each is about when the account holds it. */
export const mdnParse: JmapMethod<JmapContext> = {
  capability: MDN,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const blobIds = readIds(args, 'blobIds');
    if (blobIds === null) throw invalidArguments('blobIds is required', 'blobIds');
    const parsed: Record<string, Args> = {};
    const notParsable: string[] = [];
    const notFound: string[] = [];
    for (const blobId of blobIds) {
      const raw = await readAccountBlob(ctx.services, accountId, blobId);
      if (!raw) {
        notFound.push(blobId);
        continue;
      }
      const mdn = parseMdn(raw);
      if (!mdn) {
        notParsable.push(blobId);
        continue;
      }
      const original = mdn.originalMessageId?.replace(/^\s*<|>\s*$/g, '');
      const forMessage = original ? await messageByMessageId(ctx.services.store.db, accountId, original) : null;
      parsed[blobId] = { forEmailId: forMessage === null ? null : emailObjectId(forMessage), ...mdn };
    }
    return {
      accountId: accountIdOf(accountId),
      parsed: Object.keys(parsed).length > 0 ? parsed : null,
      notParsable: notParsable.length > 0 ? notParsable : null,
      notFound: notFound.length > 0 ? notFound : null,
    };
  },
};
