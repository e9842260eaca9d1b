import type { FastifyReply } from 'fastify';

import { accountModseq } from '../mail/jmap-changes.ts';
import { accountIdOf } from './account-ids.ts';
import type { JmapServices } from './context.ts';

const TYPES = ['Mailbox', 'Email', 'Thread'];

/** RFC 8620 §7.1 StateChange. */
export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, Record<string, string>>;
}

/** The data types a client asked for (`*` or a list) among those whose state we push. */
export function pushedTypes(asked: readonly string[] | null): string[] {
  return asked === null || asked.includes('*') ? TYPES : TYPES.filter((t) => asked.includes(t));
}

function stateChange(accountId: number, types: readonly string[], modseq: number): StateChange {
  const state = String(modseq);
  return { '@type': 'StateChange', changed: { [accountIdOf(accountId)]: Object.fromEntries(types.map((t) => [t, state])) } };
}

/**
 * Calls `send` with a StateChange whenever one of the accounts' change counter moves (IMAP, SMTP
 * delivery and JMAP writes all publish on the change bus, keyed by the owning account, so a
 * shared account's changes reach everyone it is shared with). Returns the unsubscribe.
 */
export function watchAccounts(services: JmapServices, accountIds: readonly number[], types: readonly string[], send: (change: StateChange) => void): () => void {
  if (types.length === 0) return () => {};
  const unsubscribes = accountIds.map((id) => services.changes.subscribe(id, (change) => send(stateChange(id, types, change.modseq))));
  return () => {
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
export function streamEvents(services: JmapServices, accountIds: readonly number[], reply: FastifyReply, options: EventSourceOptions): () => void {
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
  const unsubscribe = watchAccounts(services, accountIds, wanted, stateEvent);
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
  // The current states first, so a client that connects after a change still learns of them.
  void Promise.all(accountIds.map(async (id) => stateChange(id, wanted, await accountModseq(services.store.db, id)))).then((changes) => {
    if (changes.length > 0) stateEvent({ '@type': 'StateChange', changed: Object.assign({}, ...changes.map((c) => c.changed)) });
  }, close);
  return close;
}
