import type { FastifyReply } from 'fastify';

import { accountModseq } from '../mail/jmap-changes.ts';
import { accountIdOf } from './account-ids.ts';
import type { JmapServices } from './context.ts';

const TYPES = ['Mailbox', 'Email', 'Thread'];

export interface EventSourceOptions {
  types: string[];
  closeAfterState: boolean;
  pingSeconds: number;
}

/**
 * RFC 8620 §7.3 push over EventSource: a `state` event with a StateChange whenever the account's
 * change counter moves (IMAP, SMTP delivery and JMAP writes all publish on the change bus), and
 * `ping` events at the asked interval so proxies keep the connection open.
 */
/** Returns a function that ends the stream (server shutdown). */
export function streamEvents(services: JmapServices, accountId: number, reply: FastifyReply, options: EventSourceOptions): () => void {
  const wanted = options.types.includes('*') ? TYPES : TYPES.filter((t) => options.types.includes(t));
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  let closed = false;
  const stateEvent = (modseq: number): void => {
    if (closed || wanted.length === 0) return;
    const state = String(modseq);
    const changed = { [accountIdOf(accountId)]: Object.fromEntries(wanted.map((t) => [t, state])) };
    out.write(`event: state\ndata: ${JSON.stringify({ '@type': 'StateChange', changed })}\n\n`);
    if (options.closeAfterState) close();
  };
  const unsubscribe = services.changes.subscribe(accountId, (change) => stateEvent(change.modseq));
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
  // The current state first, so a client that connects after a change still learns of it.
  void accountModseq(services.store.db, accountId).then(stateEvent, close);
  return close;
}
