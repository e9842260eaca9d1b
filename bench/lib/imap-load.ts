import { performance } from 'node:perf_hooks';

import { ImapConnection, ImapError, openLoggedIn, quote, type ConnectOptions, type Reply } from './imap-client.ts';
import { loadMessage, SENDERS, SUBJECT_WORDS } from './imap-data.ts';
import { prng } from './messages.ts';

/**
 * The mixed load, in the manner of imaptest's stress mode: N clients on one account, all working in
 * its INBOX at once, each running one command at a time (no think time) drawn from a weighted mix
 * until the time is up. Each client follows EXISTS/EXPUNGE so its sequence numbers and UIDs stay
 * valid, as a real client must.
 */

export const LOAD_MAILBOX = 'INBOX';
export const COPY_MAILBOX = 'Archive';

/** Relative weights. Flow in (APPEND, 1 message) matches flow out (MOVE 2, EXPUNGE 2), so INBOX keeps its size. */
const MIX: Array<[Operation, number]> = [
  ['select', 4],
  ['fetch_flags', 15],
  ['fetch_envelope', 12],
  ['fetch_body', 12],
  ['store_add', 8],
  ['store_remove', 6],
  ['append', 10],
  ['copy', 6],
  ['move', 3],
  ['expunge', 2],
  ['search_header', 5],
  ['search_flags', 5],
  ['logout', 2],
];

type Operation = 'select' | 'fetch_flags' | 'fetch_envelope' | 'fetch_body' | 'store_add' | 'store_remove' | 'append' | 'copy' | 'move' | 'expunge' | 'search_header' | 'search_flags' | 'logout';
/** Every command timed, in the order figures are printed; `login` comes with each (re)connect. */
export const COMMANDS = ['login', 'select', 'fetch_flags', 'fetch_envelope', 'fetch_body', 'store_add', 'store_remove', 'append', 'copy', 'move', 'expunge', 'search_header', 'search_flags', 'logout'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CommandStats {
  latenciesMs: number[];
  /** NO or BAD replies. */
  refused: number;
  /**
   * NO [EXPUNGEISSUED] (RFC 5530): another client expunged a message this one still saw; a correct
   * answer to a race the mix makes on purpose, not a failure.
   */
  races: number;
  /** Timeouts and dropped connections. */
  failed: number;
  firstProblem: string | null;
}

export interface LoadResult {
  stats: Map<CommandName, CommandStats>;
  /** First command sent → last reply received. */
  wallMs: number;
  /** Bytes of BODY[] literals read by fetch_body. */
  bodyBytes: number;
  reconnects: number;
  /** Set when a client gave up (could not reconnect); the run is then not comparable. */
  abandoned: string[];
  inboxAtEnd: number;
}

export interface LoadOptions {
  connect: ConnectOptions;
  user: string;
  password: string;
  clients: number;
  seconds: number;
  messageSize: number;
  seed: number;
}

function emptyStats(): Map<CommandName, CommandStats> {
  return new Map(COMMANDS.map((name) => [name, { latenciesMs: [], refused: 0, races: 0, failed: 0, firstProblem: null }]));
}

class LoadClient {
  private connection: ImapConnection | null = null;
  /** UID by sequence number - 1; 0 until a FETCH told us. */
  private uids: number[] = [];
  private appended = 0;
  private readonly rng: () => number;
  bodyBytes = 0;
  reconnects = 0;

  constructor(
    private readonly id: number,
    private readonly options: LoadOptions,
    private readonly stats: Map<CommandName, CommandStats>,
  ) {
    this.rng = prng(options.seed * 101 + id);
  }

  private record(name: CommandName, reply: Reply): Reply {
    const entry = this.stats.get(name)!;
    entry.latenciesMs.push(reply.ms);
    if (reply.status === 'NO' && /^\[EXPUNGEISSUED\]/i.test(reply.text)) entry.races++;
    else if (reply.status !== 'OK') {
      entry.refused++;
      entry.firstProblem ??= `${reply.status} ${reply.text}`.slice(0, 200);
    }
    return reply;
  }

  private recordFailure(name: CommandName, err: Error): void {
    const entry = this.stats.get(name)!;
    entry.failed++;
    entry.firstProblem ??= err.message.slice(0, 200);
  }

  /** Follows the mailbox as the server reports it (RFC 9051 §7.4.1, §7.3.1). */
  private track(line: string): void {
    const match = /^\* (\d+) (EXISTS|EXPUNGE|FETCH)\b/i.exec(line);
    if (!match) return;
    const n = Number(match[1]);
    const kind = match[2].toUpperCase();
    if (kind === 'EXISTS') {
      if (n > this.uids.length) this.uids.push(...new Array<number>(n - this.uids.length).fill(0));
      else this.uids.length = n;
    } else if (kind === 'EXPUNGE') this.uids.splice(n - 1, 1);
    else {
      const uid = /\bUID (\d+)/i.exec(line);
      if (uid && n >= 1 && n <= this.uids.length) this.uids[n - 1] = Number(uid[1]);
    }
  }

  private async timed(name: CommandName, run: (c: ImapConnection) => Promise<Reply>): Promise<Reply | null> {
    const connection = this.connection!;
    try {
      return this.record(name, await run(connection));
    } catch (err) {
      this.recordFailure(name, err as Error);
      connection.destroy();
      this.connection = null;
      return null;
    }
  }

  /** Connect, LOGIN (timed as one), SELECT, then the flags of everything, as a client does on open. */
  async connect(): Promise<void> {
    const started = performance.now();
    let connection: ImapConnection;
    try {
      connection = await openLoggedIn(this.options.connect, this.options.user, this.options.password);
    } catch (err) {
      this.recordFailure('login', err as Error);
      throw err;
    }
    const login = this.stats.get('login')!;
    login.latenciesMs.push(performance.now() - started);
    this.connection = connection;
    connection.onUntagged((line) => this.track(line));
    await this.select();
    if (this.connection) await this.timed('fetch_flags', (c) => c.run('FETCH 1:* (UID FLAGS)'));
  }

  private async select(): Promise<void> {
    // A new SELECT starts a new view: the old sequence numbers mean nothing any more.
    this.uids = [];
    const reply = await this.timed('select', (c) => c.run(`SELECT ${LOAD_MAILBOX}`));
    if (reply && reply.status !== 'OK') throw new ImapError(`SELECT ${LOAD_MAILBOX}: ${reply.status} ${reply.text}`);
  }

  private pickOperation(): Operation {
    const total = MIX.reduce((sum, [, w]) => sum + w, 0);
    let r = this.rng() * total;
    for (const [op, weight] of MIX) {
      r -= weight;
      if (r < 0) return op;
    }
    return 'fetch_flags';
  }

  /** `count` distinct random sequence numbers, as a sequence set. */
  private seqSet(count: number): string {
    const exists = this.uids.length;
    const picked = new Set<number>();
    while (picked.size < Math.min(count, exists)) picked.add(1 + Math.floor(this.rng() * exists));
    return [...picked].sort((a, b) => a - b).join(',');
  }

  /** `count` distinct known UIDs, or null when too few are known yet. */
  private uidSet(count: number): string | null {
    const known = this.uids.filter((u) => u > 0);
    if (known.length < count * 4) return null;
    const picked = new Set<number>();
    while (picked.size < count) picked.add(known[Math.floor(this.rng() * known.length)]);
    return [...picked].sort((a, b) => a - b).join(',');
  }

  private async step(): Promise<void> {
    let op = this.pickOperation();
    const exists = this.uids.length;
    // Keep the mailbox from running dry: with few messages, add instead of taking away.
    if (exists < 20 && (op === 'move' || op === 'expunge' || op === 'copy' || op === 'fetch_body' || op === 'fetch_envelope' || op.startsWith('store'))) op = 'append';
    switch (op) {
      case 'select':
        await this.select();
        return;
      case 'fetch_flags':
        await this.timed(op, (c) => c.run('FETCH 1:* (UID FLAGS)'));
        return;
      case 'fetch_envelope': {
        const start = 1 + Math.floor(this.rng() * Math.max(1, exists - 20));
        await this.timed(op, (c) => c.run(`FETCH ${start}:${Math.min(exists, start + 19)} (UID ENVELOPE)`));
        return;
      }
      case 'fetch_body': {
        const reply = await this.timed(op, (c) => c.run(`FETCH ${this.seqSet(3)} (UID BODY.PEEK[])`));
        if (reply) this.bodyBytes += reply.literalBytes;
        return;
      }
      case 'store_add':
        await this.timed(op, (c) => c.run(`STORE ${this.seqSet(5)} +FLAGS (${this.rng() < 0.5 ? '\\Seen' : '\\Flagged'})`));
        return;
      case 'store_remove':
        await this.timed(op, (c) => c.run(`STORE ${this.seqSet(5)} -FLAGS (\\Seen \\Flagged)`));
        return;
      case 'append': {
        const message = loadMessage(this.options.seed, this.id + 1, this.appended++, this.options.messageSize);
        await this.timed(op, (c) => c.runParts([`APPEND ${LOAD_MAILBOX} (\\Seen) `, message]));
        return;
      }
      case 'copy':
      case 'move': {
        const uids = this.uidSet(op === 'copy' ? 3 : 2);
        if (uids === null) {
          await this.timed('fetch_flags', (c) => c.run('FETCH 1:* (UID FLAGS)'));
          return;
        }
        await this.timed(op, (c) => c.run(`UID ${op.toUpperCase()} ${uids} ${COPY_MAILBOX}`));
        return;
      }
      case 'expunge': {
        // The STORE that marks them is a command like any other and is counted as one.
        const marked = await this.timed('store_add', (c) => c.run(`STORE ${this.seqSet(2)} +FLAGS.SILENT (\\Deleted)`));
        if (marked && this.connection) await this.timed(op, (c) => c.run('EXPUNGE'));
        return;
      }
      case 'search_header': {
        const criteria = this.rng() < 0.5 ? `FROM ${quote(SENDERS[Math.floor(this.rng() * SENDERS.length)])}` : `SUBJECT ${quote(SUBJECT_WORDS[Math.floor(this.rng() * SUBJECT_WORDS.length)])}`;
        await this.timed(op, (c) => c.run(`SEARCH ${criteria}`));
        return;
      }
      case 'search_flags': {
        const criteria = ['UNSEEN', 'FLAGGED', 'SEEN NOT FLAGGED', 'UNSEEN FLAGGED'][Math.floor(this.rng() * 4)];
        await this.timed(op, (c) => c.run(`SEARCH ${criteria}`));
        return;
      }
      case 'logout': {
        const connection = this.connection!;
        const started = performance.now();
        await connection.logout();
        this.stats.get('logout')!.latenciesMs.push(performance.now() - started);
        this.connection = null;
        return;
      }
    }
  }

  /** Runs until `deadline`; reconnects after LOGOUT or a failure; gives up after 3 failed connects in a row. */
  async run(deadline: number): Promise<string | null> {
    let failedConnects = 0;
    while (performance.now() < deadline) {
      try {
        if (this.connection) {
          await this.step();
          continue;
        }
        this.reconnects++;
        await this.connect();
        failedConnects = 0;
      } catch (err) {
        // A refused SELECT or a connect that failed: the connection is dropped and made again.
        this.connection?.destroy();
        this.connection = null;
        if (++failedConnects >= 3) return `client ${this.id}: ${(err as Error).message}`;
      }
    }
    await this.connection?.logout();
    this.connection = null;
    return null;
  }

  get inboxSize(): number {
    return this.uids.length;
  }
}

export async function runMixedLoad(options: LoadOptions): Promise<LoadResult> {
  const stats = emptyStats();
  const clients = Array.from({ length: options.clients }, (_, i) => new LoadClient(i, options, stats));
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const outcomes = await Promise.all(clients.map((c) => c.run(deadline)));
  const wallMs = performance.now() - started;
  return {
    stats,
    wallMs,
    bodyBytes: clients.reduce((sum, c) => sum + c.bodyBytes, 0),
    reconnects: clients.reduce((sum, c) => sum + Math.max(0, c.reconnects - 1), 0),
    abandoned: outcomes.filter((o): o is string => o !== null),
    inboxAtEnd: Math.max(...clients.map((c) => c.inboxSize)),
  };
}
