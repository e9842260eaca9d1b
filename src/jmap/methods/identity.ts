// RFC 8621 §6 Identity/get, /changes, /set: the addresses the user may send from.
import { createHash } from 'node:crypto';

import type { Kysely } from 'kysely';

import { createIdentity, destroyIdentity, listIdentities, saveIdentity, sendableFrom, type EmailAddressValue, type Identity } from '../../directory/identities.ts';
import type { Database } from '../../store/schema.ts';
import { personalAccountOf } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { announceAccountChange } from '../push-notify.ts';
import { SUBMISSION } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments, MethodError } from '../proto/errors.ts';
import { type Args, attempt, emptySetOutcome, optionalString, pick, readIds, readProperties, readSetArgs, requireInState, SetFailure } from './common.ts';

const PROPERTIES = ['id', 'name', 'email', 'replyTo', 'bcc', 'textSignature', 'htmlSignature', 'mayDelete'] as const;

/** The identities change with address and delegation changes too, so the state is a digest of what they are now. */
function stateOfIdentities(identities: Identity[]): string {
  return createHash('sha256').update(JSON.stringify(identities)).digest('base64url').slice(0, 16);
}

/** The account's Identity state, as Identity/get answers it and push announces it. */
export async function identityState(db: Kysely<Database>, accountId: number): Promise<string> {
  return stateOfIdentities(await listIdentities(db, accountId));
}

export const identityGet: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx, createdIds }) {
    const accountId = await personalAccountOf(args, ctx);
    const ids = readIds(args, 'ids', createdIds);
    const properties = readProperties(args, PROPERTIES, PROPERTIES);
    const identities = await listIdentities(ctx.services.store.db, accountId);
    const byId = new Map(identities.map((i) => [i.id, i]));
    const wanted = ids ?? identities.map((i) => i.id);
    const list = wanted.filter((id) => byId.has(id)).map((id) => pick({ ...byId.get(id)! }, properties));
    return { accountId: accountIdOf(accountId), state: stateOfIdentities(identities), list, notFound: wanted.filter((id) => !byId.has(id)) };
  },
};

/**
 * Identity/changes: the state is a digest, not a history, so any change since the client's
 * state answers cannotCalculateChanges (RFC 8620 §5.2) and the client fetches the short list again.
 */
export const identityChanges: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const since = optionalString(args, 'sinceState');
    if (since === null) throw invalidArguments('sinceState is required', 'sinceState');
    const state = stateOfIdentities(await listIdentities(ctx.services.store.db, accountId));
    if (since !== state) throw new MethodError('cannotCalculateChanges', 'identities changed; fetch them again with Identity/get');
    return { accountId: accountIdOf(accountId), oldState: since, newState: state, hasMoreChanges: false, created: [], updated: [], destroyed: [] };
  },
};

function addressList(value: unknown, property: string): EmailAddressValue[] | null {
  if (value === null) return null;
  const valid = Array.isArray(value) && value.every((a) => typeof a === 'object' && a !== null && typeof (a as Args).email === 'string' && ((a as Args).name === undefined || (a as Args).name === null || typeof (a as Args).name === 'string'));
  if (!valid) throw new SetFailure('invalidProperties', `${property} must be a list of EmailAddress objects or null`, [property]);
  return (value as Args[]).map((a) => ({ name: typeof a.name === 'string' ? a.name : null, email: a.email as string }));
}

/** Applies the mutable properties of an Identity (RFC 8621 §6: email is immutable, mayDelete server-set). */
function applyFields(identity: Identity, object: Args, creating: boolean): Identity {
  const out = { ...identity };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'name' || key === 'textSignature' || key === 'htmlSignature') {
      if (typeof value !== 'string') throw new SetFailure('invalidProperties', `${key} must be a string`, [key]);
      out[key] = value;
    } else if (key === 'replyTo' || key === 'bcc') out[key] = addressList(value, key);
    else if (key === 'email' && (creating || value === identity.email)) continue;
    else if ((key === 'id' || key === 'mayDelete') && value === identity[key]) continue;
    else throw new SetFailure('invalidProperties', `${key} cannot be set`, [key]);
  }
  return out;
}

/**
 * Identity/set: a new identity only for an address the user may send from (forbiddenFrom, RFC
 * 8621 §6.3); updates of name, signatures, replyTo and bcc; only created identities can be destroyed.
 */
export const identitySet: JmapMethod<JmapContext> = {
  capability: SUBMISSION,
  async run(args, { session: ctx, createdIds }) {
    const accountId = await personalAccountOf(args, ctx);
    const db = ctx.services.store.db;
    const { create, update, destroy } = readSetArgs(args);
    const oldState = stateOfIdentities(await listIdentities(db, accountId));
    requireInState(args, oldState);
    const outcome = emptySetOutcome();
    const { created, notCreated, updated, notUpdated, destroyed, notDestroyed } = outcome;
    for (const [creationId, object] of Object.entries(create)) {
      await attempt(
        async () => {
          if (typeof object.email !== 'string') throw new SetFailure('invalidProperties', 'email is required', ['email']);
          const email = object.email.toLowerCase();
          if (!(await sendableFrom(db, accountId)).has(email)) throw new SetFailure('forbiddenFrom', `you may not send from ${object.email}`, ['email']);
          const fields = applyFields({ id: '', name: '', email, replyTo: null, bcc: null, textSignature: '', htmlSignature: '', mayDelete: true }, object, true);
          const id = await createIdentity(db, accountId, email, fields);
          createdIds.set(creationId, id);
          created[creationId] = { id, mayDelete: true, ...(object.name === undefined ? { name: '' } : {}), textSignature: fields.textSignature, htmlSignature: fields.htmlSignature, replyTo: fields.replyTo, bcc: fields.bcc };
        },
        (error) => (notCreated[creationId] = error),
      );
    }
    for (const [id, patch] of Object.entries(update)) {
      await attempt(
        async () => {
          const identity = (await listIdentities(db, accountId)).find((i) => i.id === id);
          if (!identity) throw new SetFailure('notFound', `no identity ${id}`);
          await saveIdentity(db, accountId, applyFields(identity, patch, false));
          updated[id] = null;
        },
        (error) => (notUpdated[id] = error),
      );
    }
    for (const id of destroy) {
      await attempt(
        async () => {
          const identity = (await listIdentities(db, accountId)).find((i) => i.id === id);
          if (!identity) throw new SetFailure('notFound', `no identity ${id}`);
          if (!identity.mayDelete) throw new SetFailure('forbidden', 'an identity of one of your addresses cannot be destroyed');
          await destroyIdentity(db, accountId, id);
          destroyed.push(id);
        },
        (error) => (notDestroyed[id] = error),
      );
    }
    const newState = stateOfIdentities(await listIdentities(db, accountId));
    if (newState !== oldState) await announceAccountChange(ctx, accountId);
    return { accountId: accountIdOf(accountId), oldState, newState, ...outcome };
  },
};
