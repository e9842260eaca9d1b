// RFC 8621 §8 VacationResponse/get and /set: one object per account, id "singleton"; the notice
// itself is sent at delivery (delivery/vacation-reply.ts).
import { readVacation, writeVacation, type VacationSettings } from '../../delivery/vacation-responses.ts';
import { personalAccountOf } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { announceAccountChange } from '../push-notify.ts';
import { VACATION } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { MethodError } from '../proto/errors.ts';
import { attempt, optionalString, pick, readIds, readProperties, readSetArgs, SetFailure, type Args } from './common.ts';

const ID = 'singleton';
const PROPERTIES = ['id', 'isEnabled', 'fromDate', 'toDate', 'subject', 'textBody', 'htmlBody'] as const;

function utcDate(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toObject(settings: VacationSettings): Args {
  return { id: ID, isEnabled: settings.isEnabled, fromDate: utcDate(settings.fromDate), toDate: utcDate(settings.toDate), subject: settings.subject, textBody: settings.textBody, htmlBody: settings.htmlBody };
}

// RFC 8620 §1.4 UTCDate: "2014-10-30T06:12:00Z", the time zone always Z.
const UTC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function applyPatch(settings: VacationSettings, patch: Args): VacationSettings {
  const out = { ...settings };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'id' && value === ID) continue;
    if (key === 'isEnabled') {
      if (typeof value !== 'boolean') throw new SetFailure('invalidProperties', 'isEnabled must be a boolean', [key]);
      out.isEnabled = value;
    } else if (key === 'fromDate' || key === 'toDate') {
      if (value !== null && (typeof value !== 'string' || !UTC_DATE.test(value))) throw new SetFailure('invalidProperties', `${key} must be a UTCDate or null`, [key]);
      out[key] = value === null ? null : Date.parse(value);
    } else if (key === 'subject' || key === 'textBody' || key === 'htmlBody') {
      if (value !== null && typeof value !== 'string') throw new SetFailure('invalidProperties', `${key} must be a string or null`, [key]);
      out[key] = value;
    } else throw new SetFailure('invalidProperties', `${key} cannot be set`, [key]);
  }
  return out;
}

export const vacationResponseGet: JmapMethod<JmapContext> = {
  capability: VACATION,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const ids = readIds(args);
    const properties = readProperties(args, PROPERTIES, PROPERTIES);
    const { settings, state } = await readVacation(ctx.services.store.db, accountId);
    const wanted = ids ?? [ID];
    return {
      accountId: accountIdOf(accountId),
      state,
      list: wanted.includes(ID) ? [pick(toObject(settings), properties)] : [],
      notFound: wanted.filter((id) => id !== ID),
    };
  },
};

/** Only the singleton may be updated; creating or destroying it answers the `singleton` SetError (RFC 8621 §8). */
export const vacationResponseSet: JmapMethod<JmapContext> = {
  capability: VACATION,
  async run(args, { session: ctx }) {
    const accountId = await personalAccountOf(args, ctx);
    const db = ctx.services.store.db;
    const { create, update, destroy } = readSetArgs(args);
    const { state: oldState } = await readVacation(db, accountId);
    const expected = optionalString(args, 'ifInState');
    if (expected !== null && expected !== oldState) throw new MethodError('stateMismatch', `the state is ${oldState}, not ${expected}`);
    const notCreated = Object.fromEntries(Object.keys(create).map((id) => [id, { type: 'singleton', description: 'the VacationResponse exists already and cannot be created' }]));
    const notDestroyed = Object.fromEntries(destroy.map((id) => [id, { type: 'singleton', description: 'the VacationResponse cannot be destroyed' }]));
    const updated: Record<string, null> = {};
    const notUpdated: Record<string, Args> = {};
    for (const [id, patch] of Object.entries(update)) {
      await attempt(
        async () => {
          if (id !== ID) throw new SetFailure('notFound', `no VacationResponse ${id}; its id is ${ID}`);
          const { settings } = await readVacation(db, accountId);
          await writeVacation(db, accountId, applyPatch(settings, patch));
          updated[id] = null;
        },
        (error) => (notUpdated[id] = error),
      );
    }
    const { state: newState } = await readVacation(db, accountId);
    if (newState !== oldState) await announceAccountChange(ctx, accountId);
    return { accountId: accountIdOf(accountId), oldState, newState, created: {}, updated, destroyed: [], notCreated, notUpdated, notDestroyed };
  },
};
