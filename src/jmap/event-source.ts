import type { FastifyReply } from 'fastify';

import { submissionState } from '../delivery/email-submissions.ts';
import { readVacation } from '../delivery/vacation-responses.ts';
import type { AccountChange } from '../events/change-bus.ts';
import { accountModseq } from '../mail/jmap-changes.ts';
import { accountIdOf } from './account-ids.ts';
import type { JmapServices } from './context.ts';
import { identityState } from './methods/identity.ts';

// Mail types share the change log's modseq; the others keep their own states and exist only in
// the principal's own account (the Session offers shared accounts mail only).
const MAIL_TYPES = ['Mailbox', 'Email', 'Thread'];
const PERSONAL_TYPES = ['Identity', 'EmailSubmission', 'VacationResponse'];

/** RFC 8620 §7.1 StateChange. */
export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, Record<string, string>>;
}

/** The accounts a principal is pushed changes of: its own and each that shares mailboxes with it. */
export interface PushAccounts {
  personal: number;
  shared: number[];
}

/** The data types a client asked for (`*` or a list) among those whose state we push. */
export function pushedTypes(asked: readonly string[] | null): string[] {
  const all = [...MAIL_TYPES, ...PERSONAL_TYPES];
  return asked === null || asked.includes('*') ? all : all.filter((t) => asked.includes(t));
}

/** The current state of each type in the account, as the types' /get methods answer it. */
async function statesOf(services: JmapServices, accountId: number, types: readonly string[]): Promise<Map<string, string>> {
  const db = services.store.db;
  const states = new Map<string, string>();
  const modseq = String(await accountModseq(db, accountId));
  for (const type of types) {
    if (MAIL_TYPES.includes(type)) states.set(type, modseq);
    else if (type === 'Identity') states.set(type, await identityState(db, accountId));
    else if (type === 'EmailSubmission') states.set(type, await submissionState(db, accountId));
    else if (type === 'VacationResponse') states.set(type, (await readVacation(db, accountId)).state);
  }
  return states;
}

/**
 * Calls `send` with a StateChange naming the types whose state moved, whenever one of the accounts
 * changes (IMAP, SMTP delivery and JMAP writes all publish on the change bus, keyed by the owning
 * account, so a shared account's changes reach everyone it is shared with). With `initial`, the
 * first StateChange gives every account's current states. Returns the unsubscribe.
 */
export function watchAccounts(services: JmapServices, accounts: PushAccounts, types: readonly string[], send: (change: StateChange) => void, initial = false): () => void {
  if (types.length === 0) return () => {};
  const ids = [accounts.personal, ...accounts.shared.filter((id) => id !== accounts.personal)];
  const typesOf = (id: number) => (id === accounts.personal ? types : types.filter((t) => MAIL_TYPES.includes(t)));
  const last = new Map<number, Map<string, string>>();
  let stopped = false;
  // One computation at a time, in order, so a state is never announced after a newer one.
  const report = (err: unknown) => services.log(`jmap push: ${err instanceof Error ? err.message : String(err)}`);
  let queue = Promise.all(ids.map(async (id) => last.set(id, await statesOf(services, id, typesOf(id)))))
    .then(() => {
      if (initial && !stopped) send({ '@type': 'StateChange', changed: Object.fromEntries(ids.map((id) => [accountIdOf(id), Object.fromEntries(last.get(id)!)])) });
    })
    .catch(report);
  const changed = (id: number, change: AccountChange): void => {
    queue = queue
      .then(async () => {
        const now = await statesOf(services, id, typesOf(id));
        const before = last.get(id);
        last.set(id, now);
        // A mail change is always announced, even one the first states already took in.
        const mailChanged = change.mailboxIds.length > 0;
        const moved = [...now].filter(([type, state]) => before?.get(type) !== state || (mailChanged && MAIL_TYPES.includes(type)));
        if (moved.length > 0 && !stopped) send({ '@type': 'StateChange', changed: { [accountIdOf(id)]: Object.fromEntries(moved) } });
      })
      .catch(report);
  };
  const unsubscribes = ids.map((id) => services.changes.subscribe(id, (change) => changed(id, change)));
  return () => {
    stopped = true;
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

export interface EventSourceOptions {
  types: string[];
  closeAfterState: boolean;
  pingSeconds: number;
}

/**
 * RFC 8620 §7.3 push over EventSource: a `state` event with a StateChange whenever one of the
 * principal's accounts changes, and `ping` events at the asked interval so proxies keep the
 * connection open. Returns a function that ends the stream (server shutdown).
 */
export function streamEvents(services: JmapServices, accounts: PushAccounts, reply: FastifyReply, options: EventSourceOptions): () => void {
  const wanted = pushedTypes(options.types);
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  let closed = false;
  const stateEvent = (change: StateChange): void => {
    if (closed || wanted.length === 0) return;
    out.write(`event: state\ndata: ${JSON.stringify(change)}\n\n`);
    if (options.closeAfterState) close();
  };
  // The current states first, so a client that connects after a change still learns of them.
  const unsubscribe = watchAccounts(services, accounts, wanted, stateEvent, true);
  const timer = options.pingSeconds > 0 ? setInterval(() => out.write(`event: ping\ndata: ${JSON.stringify({ interval: options.pingSeconds })}\n\n`), options.pingSeconds * 1000) : null;
  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    if (timer) clearInterval(timer);
    out.end();
  }
  // The response closes when the client goes away (or when we end it).
  out.on('close', close);
  return close;
}
