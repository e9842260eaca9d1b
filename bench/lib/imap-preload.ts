import { performance } from 'node:perf_hooks';

import { ImapError, mustBeOk, openLoggedIn, type ConnectOptions, type ImapConnection, type Reply } from './imap-client.ts';

/**
 * Fills a mailbox through IMAP APPEND, the same way for both servers so that they hold the same
 * messages in the same order (one connection, so UIDs come out in message order too). Fast path:
 * MULTIAPPEND (RFC 3502) with LITERAL+ (RFC 7888), several batches in flight; without MULTIAPPEND,
 * single APPENDs pipelined; without LITERAL+, one APPEND at a time (each literal waits for "+").
 */

export interface PreloadOptions {
  connect: ConnectOptions;
  user: string;
  password: string;
  mailbox: string;
  count: number;
  message: (i: number) => Buffer;
  /** Extra mailboxes to create first (e.g. the COPY/MOVE target). */
  create?: string[];
  /** Progress on stderr every this many messages (0 = never). */
  progressEvery?: number;
  progressLabel?: string;
}

export interface PreloadResult {
  ms: number;
  bytes: number;
  method: string;
}

const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_MESSAGES = 500;
const WINDOW = 4;

export async function preload(options: PreloadOptions): Promise<PreloadResult> {
  const connection = await openLoggedIn(options.connect, options.user, options.password);
  try {
    for (const mailbox of [options.mailbox, ...(options.create ?? [])]) {
      if (mailbox.toUpperCase() === 'INBOX') continue;
      const reply = await connection.run(`CREATE ${mailbox}`);
      if (reply.status !== 'OK' && !/ALREADYEXISTS|exists/i.test(reply.text)) throw new ImapError(`CREATE ${mailbox}: ${reply.status} ${reply.text}`);
    }
    const multi = connection.capabilities.has('MULTIAPPEND');
    const literalPlus = connection.capabilities.has('LITERAL+');
    const window = literalPlus ? (multi ? WINDOW : 64) : 1;
    const method = `${multi ? 'MULTIAPPEND' : 'APPEND'}${literalPlus ? ' with LITERAL+' : ' with synchronizing literals'}, ${window} in flight`;
    const started = performance.now();
    let bytes = 0;
    let next = 0;
    let lastProgress = 0;
    const inFlight = new Set<Promise<Reply>>();
    const failure: { err: Error | null } = { err: null };
    while (next < options.count && !failure.err) {
      const parts: Array<string | Buffer> = [`APPEND ${options.mailbox}`];
      let batchBytes = 0;
      let batch = 0;
      do {
        const message = options.message(next++);
        parts.push(' ', message);
        batchBytes += message.length;
        batch++;
      } while (multi && next < options.count && batch < BATCH_MESSAGES && batchBytes < BATCH_BYTES);
      bytes += batchBytes;
      const first = next - batch + 1;
      const sent: Promise<Reply> = send(connection, parts).then(
        (reply) => {
          inFlight.delete(sent);
          if (reply.status !== 'OK') failure.err ??= new ImapError(`APPEND of messages ${first}-${first + batch - 1}: ${reply.status} ${reply.text}`);
          return reply;
        },
        (err: Error) => {
          inFlight.delete(sent);
          failure.err ??= err;
          throw err;
        },
      );
      sent.catch(() => {});
      inFlight.add(sent);
      if (inFlight.size >= window) await Promise.race([...inFlight]).catch(() => {});
      if (options.progressEvery && next - lastProgress >= options.progressEvery) {
        lastProgress = next;
        process.stderr.write(`${options.progressLabel ?? 'preload'}: ${next}/${options.count} sent (${Math.round(next / ((performance.now() - started) / 1000))} msg/s)\n`);
      }
    }
    await Promise.allSettled([...inFlight]);
    if (failure.err) throw failure.err;
    const ms = performance.now() - started;
    const status = mustBeOk(await connection.run(`STATUS ${options.mailbox} (MESSAGES)`), `STATUS ${options.mailbox}`);
    const counted = /MESSAGES (\d+)/i.exec(status.untagged.join(' '));
    if (!counted || Number(counted[1]) < options.count) throw new ImapError(`after the preload ${options.mailbox} holds ${counted?.[1] ?? '?'} messages, expected ${options.count}`);
    return { ms, bytes, method };
  } finally {
    await connection.logout();
  }
}

/** The space before each literal is part of the text; runParts adds the {N+} markers. */
function send(connection: ImapConnection, parts: Array<string | Buffer>): Promise<Reply> {
  return connection.runParts(parts);
}
