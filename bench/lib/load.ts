import { performance } from 'node:perf_hooks';

import type { BenchMessage } from './messages.ts';
import { SmtpSession, type SendResult } from './smtp-client.ts';

export interface LoadOptions {
  host: string;
  port: number;
  connections: number;
  messages: BenchMessage[];
  /** The whole load is cut off after this; every session is closed and unsent messages count as not accepted. */
  timeoutMs: number;
  /** Per reply: a server that stops answering fails the session instead of hanging the run. */
  replyTimeoutMs?: number;
}

export interface LoadResult {
  accepted: number;
  /** Reply text (or error) → how often, for every refused message, broken session or failed connect. */
  failures: Map<string, number>;
  /** End of DATA to 250, one per accepted message, in ms. */
  latenciesMs: number[];
  /** From the first connect to the last 250, in ms. */
  wallMs: number;
  startedAt: number;
  timedOut: boolean;
}

/** A session that breaks is reopened, but only this often per connection, so a dead server ends the run. */
const MAX_RECONNECTS = 3;
const HELO = 'loadgen.sender.test';

/**
 * C sessions pull messages from one shared cursor until all M are sent, reusing their connection
 * for every message (as a busy sending MTA does), so the figure is about transactions, not handshakes.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const replyTimeoutMs = options.replyTimeoutMs ?? 60_000;
  const result: LoadResult = { accepted: 0, failures: new Map(), latenciesMs: [], wallMs: 0, startedAt: performance.now(), timedOut: false };
  const sessions = new Set<SmtpSession>();
  let next = 0;
  let lastAcceptAt = result.startedAt;
  let stopped = false;

  const countFailure = (reason: string) => result.failures.set(reason, (result.failures.get(reason) ?? 0) + 1);
  const record = (outcome: SendResult) => {
    if (outcome.ok) {
      result.accepted++;
      result.latenciesMs.push(outcome.latencyMs ?? 0);
      lastAcceptAt = performance.now();
    } else countFailure(`${outcome.reply.code} ${outcome.reply.text.split('\n')[0]}`);
  };

  const worker = async () => {
    for (let attempt = 0; attempt <= MAX_RECONNECTS && !stopped && next < options.messages.length; attempt++) {
      let session: SmtpSession | null = null;
      try {
        session = await SmtpSession.open(options.host, options.port, HELO, replyTimeoutMs);
        sessions.add(session);
        while (!stopped && next < options.messages.length) {
          const message = options.messages[next++];
          try {
            record(await session.send(message));
          } catch (err) {
            // The message was in flight when the session broke: never acknowledged, so not accepted.
            countFailure(`session error: ${(err as Error).message}`);
            throw err;
          }
        }
        await session.quit();
        return;
      } catch (err) {
        if (!session) countFailure(`connect: ${(err as Error).message}`);
      } finally {
        if (session) {
          sessions.delete(session);
          session.destroy();
        }
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      result.timedOut = true;
      stopped = true;
      for (const session of sessions) session.destroy();
      resolve();
    }, options.timeoutMs);
  });
  await Promise.race([Promise.all(Array.from({ length: options.connections }, worker)), deadline]);
  clearTimeout(timer);
  result.wallMs = lastAcceptAt - result.startedAt;
  return result;
}
