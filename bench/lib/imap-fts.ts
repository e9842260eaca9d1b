import { performance } from 'node:perf_hooks';

import { mustBeOk, openLoggedIn, quote, type ConnectOptions } from './imap-client.ts';
import type { FtsCorpus } from './imap-data.ts';

/**
 * Full-text SEARCH over a big mailbox: one client, SELECT, one untimed-for-percentiles first
 * SEARCH (it pays for any index the server builds lazily, and is reported on its own), then the
 * queries one after the other.
 */

export const FTS_MAILBOX = 'Search';

export interface FtsResult {
  firstSearchMs: number;
  latenciesMs: number[];
  /** Hits per query, in query order, to compare the servers' answers. */
  hits: number[];
  refused: string[];
}

export async function runFtsQueries(connect: ConnectOptions, longTimeoutMs: number, user: string, password: string, corpus: FtsCorpus, queries: number, progress: (done: number) => void = () => {}): Promise<FtsResult> {
  // The first search may index 100,000 messages: it gets the long time limit.
  const connection = await openLoggedIn({ ...connect, timeoutMs: longTimeoutMs }, user, password);
  try {
    mustBeOk(await connection.run(`SELECT ${FTS_MAILBOX}`), `SELECT ${FTS_MAILBOX}`);
    const words = corpus.queries(queries);
    const started = performance.now();
    const first = await connection.run(`SEARCH BODY ${quote(corpus.vocabulary[corpus.vocabulary.length - 1])}`);
    const firstSearchMs = performance.now() - started;
    mustBeOk(first, 'first SEARCH BODY');
    const latenciesMs: number[] = [];
    const hits: number[] = [];
    const refused: string[] = [];
    for (const word of words) {
      const reply = await connection.run(`SEARCH BODY ${quote(word)}`);
      latenciesMs.push(reply.ms);
      if (reply.status !== 'OK') refused.push(`${word}: ${reply.status} ${reply.text}`);
      const line = reply.untagged.find((l) => /^\* SEARCH\b/i.test(l)) ?? '* SEARCH';
      hits.push(line.trim().split(/\s+/).length - 2);
      if (hits.length % 50 === 0) progress(hits.length);
    }
    return { firstSearchMs, latenciesMs, hits, refused };
  } finally {
    await connection.logout();
  }
}
