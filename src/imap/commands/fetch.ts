import type { EntryData } from '../../mail/mail-store.ts';
import { fetchItems, marksSeen, needsMeta, needsRaw } from '../fetch-items.ts';
import { formatUidSet } from '../proto/sequence-set.ts';
import type { CommandOf, FetchAttribute } from '../proto/types.ts';
import { UnknownTransferEncoding } from '../sections.ts';
import type { ImapSession } from '../session.ts';
import type { Completion, Handler } from './index.ts';

/**
 * Entries read per round trip to the store: big enough to amortise the query, small enough to
 * bound memory; message bytes are read one by one anyway, so those batches stay small.
 */
const BATCH = 1000;
const BATCH_WITH_BODIES = 100;

/** Attributes the entries table alone answers, without the message row. */
const FLAG_ONLY = new Set(['UID', 'FLAGS', 'MODSEQ']);

type FetchCommand = CommandOf<'FETCH'>;

export const fetch: Handler<FetchCommand> = async (session, command) => {
  const selected = session.selected!;
  if (command.vanished && (!command.uid || command.changedSince === undefined || !session.qresync)) {
    return { status: 'BAD', text: 'VANISHED needs UID FETCH with CHANGEDSINCE and QRESYNC enabled' };
  }
  const uids = selected.resolve(command.set, command.uid);
  const wantsModseq = command.changedSince !== undefined || command.attributes.some((a) => a.type === 'MODSEQ');
  if (wantsModseq) session.enableCondstore();
  const { mail } = session.services;
  if (command.vanished && command.changedSince !== undefined) {
    const changes = await mail.changesSince(selected.accountId, selected.id, command.changedSince);
    const ranges = selected.uidRanges(command.set);
    const vanished = changes.expunged.filter((uid) => ranges.some((r) => uid >= r.start && uid <= r.end)).sort((a, b) => a - b);
    if (vanished.length > 0) session.send(['VANISHED', '(EARLIER)', { raw: formatUidSet(vanished) }]);
  }
  const meta = command.attributes.some(needsMeta);
  const raw = command.attributes.some(needsRaw);
  // Reading a body sets \Seen only for a user who may keep it (RFC 4314 §4, the s right).
  const setSeen = !selected.readOnly && selected.rights.includes('s') && command.attributes.some(marksSeen);
  const withFlags = setSeen && !command.attributes.some((a) => a.type === 'FLAGS') ? [...command.attributes, { type: 'FLAGS' as const }] : command.attributes;
  const condstore = session.condstore && (wantsModseq || withFlags.some((a) => a.type === 'FLAGS'));
  if (withFlags.every((a) => FLAG_ONLY.has(a.type))) return fetchFlags(session, command, uids, withFlags, condstore);
  const batch = raw ? BATCH_WITH_BODIES : BATCH;
  try {
    for (let i = 0; i < uids.length; i += batch) {
      let entries = await mail.fetchEntries(selected.accountId, selected.id, uids.slice(i, i + batch), { meta });
      if (command.changedSince !== undefined) entries = entries.filter((e) => e.modseq > command.changedSince!);
      if (setSeen) entries = await markSeen(session, entries);
      for (const entry of entries) {
        const seq = selected.seqOf(entry.uid);
        if (seq === 0) continue;
        const bytes = raw ? await mail.readBlob(entry.blobHash) : null;
        session.noteFlags(entry.flags);
        const shown = selected.recent.has(entry.uid) && !session.rev2 ? { ...entry, flags: [...entry.flags, '\\Recent'] } : entry;
        session.send([seq, 'FETCH', fetchItems(shown, withFlags, { raw: bytes, condstore })]);
        if (session.connection.congested) await session.connection.drained();
        if (session.connection.isClosed) return { status: 'NO', text: 'Connection closed' };
      }
    }
  } catch (err) {
    if (err instanceof UnknownTransferEncoding) return { status: 'NO', code: 'UNKNOWN-CTE', text: err.message };
    throw err;
  }
  return { status: 'OK', text: 'FETCH completed' };
};

/** FETCH of flags, UIDs and modseqs only: one narrow read, no message rows, no bodies. */
async function fetchFlags(session: ImapSession, command: FetchCommand, uids: number[], attributes: FetchAttribute[], condstore: boolean): Promise<Completion> {
  const selected = session.selected!;
  const wantFlags = attributes.some((a) => a.type === 'FLAGS');
  const wantUid = attributes.some((a) => a.type === 'UID');
  const wantModseq = condstore || attributes.some((a) => a.type === 'MODSEQ');
  for (let i = 0; i < uids.length; i += BATCH) {
    let states = await session.services.mail.flagStates(selected.accountId, selected.id, uids.slice(i, i + BATCH));
    if (command.changedSince !== undefined) states = states.filter((e) => e.modseq > command.changedSince!);
    // Flags are atoms and numbers are numbers, so these lines are written as text directly:
    // this is the reply clients ask for most, often for every message of a mailbox.
    const lines: string[] = [];
    for (const state of states) {
      const seq = selected.seqOf(state.uid);
      if (seq === 0) continue;
      const items: string[] = [];
      if (wantUid) items.push(`UID ${state.uid}`);
      if (wantFlags) {
        session.noteFlags(state.flags);
        const flags = selected.recent.has(state.uid) && !session.rev2 ? [...state.flags, '\\Recent'] : state.flags;
        items.push(`FLAGS (${flags.join(' ')})`);
      }
      if (wantModseq) items.push(`MODSEQ (${state.modseq})`);
      lines.push(`* ${seq} FETCH (${items.join(' ')})\r\n`);
    }
    session.sendRaw(lines.join(''));
    if (session.connection.congested) await session.connection.drained();
  }
  return { status: 'OK', text: 'FETCH completed' };
}

/** Sets \Seen on the entries that lack it and returns them with their new flags and modseq. */
async function markSeen(session: ImapSession, entries: EntryData[]): Promise<EntryData[]> {
  const unseen = entries.filter((e) => !e.flags.includes('\\Seen')).map((e) => e.uid);
  if (unseen.length === 0) return entries;
  const selected = session.selected!;
  const result = await session.services.mail.storeFlags(selected.accountId, selected.id, unseen, 'add', ['\\Seen']);
  const updated = new Map(result.updated.map((u) => [u.uid, u]));
  return entries.map((entry) => {
    const change = updated.get(entry.uid);
    if (!change) return entry;
    selected.ownChanges.set(entry.uid, change.modseq);
    return { ...entry, flags: change.flags, modseq: change.modseq };
  });
}
