import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A minimal IMAP client for the benchmark: raw socket, tagged commands (pipelined when the caller
 * does not wait), literals both ways, and a time limit on every command. It understands just enough
 * of the grammar (RFC 9051 §4.3 literals, §7 response kinds) to find where each response ends; the
 * caller reads what it needs from the untagged lines. Not a general client: no TLS, no SASL.
 */

export type Status = 'OK' | 'NO' | 'BAD';

export interface Reply {
  status: Status;
  /** The tagged line after the status, e.g. "[APPENDUID 38505 3955] APPEND completed". */
  text: string;
  /** Untagged responses received while the command ran, literals replaced by "{N}". */
  untagged: string[];
  /** Bytes of literal data in those responses (e.g. the BODY[] octets). */
  literalBytes: number;
  /** From writing the command to reading its tagged line. */
  ms: number;
}

/** A connection-level failure (timeout, closed, BYE, unparsable data), as opposed to a NO/BAD reply. */
export class ImapError extends Error {}

interface Pending {
  tag: string;
  untagged: string[];
  literalBytes: number;
  started: number;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** For connecting and for every command. */
  timeoutMs: number;
}

const LITERAL_AT_END = /\{(\d+)\+?\}$/;
const CRLF = Buffer.from('\r\n');

export class ImapConnection {
  /** Capabilities from the greeting or the last CAPABILITY response / response code. */
  capabilities = new Set<string>();
  /** Untagged responses not part of any running command (e.g. during IDLE); counted, not kept. */
  strayUntagged = 0;
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes of a literal still to skip before the response line continues. */
  private literalLeft = 0;
  /** The response being assembled across literals. */
  private lineParts: string[] = [];
  private readonly pending = new Map<string, Pending>();
  private continuationWaiters: Array<{ resolve: (text: string) => void; reject: (err: Error) => void }> = [];
  private nextTag = 1;
  private closedError: Error | null = null;
  private untaggedListener: ((line: string) => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new ImapError(`socket: ${err.message}`)));
    socket.on('close', () => this.fail(new ImapError('connection closed by the server')));
  }

  /** Connects and reads the greeting; rejects on a BYE greeting, a refusal or the time limit. */
  static open(options: ConnectOptions): Promise<ImapConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const connection = new ImapConnection(socket, options.timeoutMs);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ImapError(`no greeting within ${options.timeoutMs} ms from ${options.host}:${options.port}`));
      }, options.timeoutMs);
      // The greeting is the first untagged line; the rest of the traffic is command-driven.
      connection.untaggedListener = (line) => {
        clearTimeout(timer);
        connection.untaggedListener = null;
        if (/^\* (OK|PREAUTH)/i.test(line)) {
          connection.noteCapabilities(line);
          resolve(connection);
        } else {
          socket.destroy();
          reject(new ImapError(`greeting: ${line.slice(0, 200)}`));
        }
      };
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ImapError(`connect ${options.host}:${options.port}: ${err.message}`));
      });
      // Closed before any greeting (e.g. a server over its connection limit): say so at once.
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new ImapError(`${options.host}:${options.port} closed the connection before the greeting`));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Called for every untagged response, e.g. to follow EXISTS and EXPUNGE. */
  onUntagged(listener: ((line: string) => void) | null): void {
    this.untaggedListener = listener;
  }

  /** Sends one command with no literals. */
  run(command: string): Promise<Reply> {
    return this.runParts([command]);
  }

  /**
   * Sends a command made of text and literal parts: each Buffer is sent as a literal, announced as
   * {N+} (LITERAL+, RFC 7888) when the server offers it, else as {N} after waiting for "+".
   */
  runParts(parts: Array<string | Buffer>): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const tag = `b${this.nextTag++}`;
    const nonSync = this.capabilities.has('LITERAL+');
    const promise = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new ImapError(`${tag} ${describe(parts)}: no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(tag, { tag, untagged: [], literalBytes: 0, started: performance.now(), resolve, reject, timer });
    });
    if (nonSync || !parts.some((p) => Buffer.isBuffer(p))) {
      const chunks: Buffer[] = [Buffer.from(`${tag} `)];
      for (const part of parts) {
        if (Buffer.isBuffer(part)) chunks.push(Buffer.from(`{${part.length}+}\r\n`), part);
        else chunks.push(Buffer.from(part, 'utf8'));
      }
      chunks.push(CRLF);
      this.socket.write(Buffer.concat(chunks));
    } else {
      void this.sendSynchronizing(tag, parts);
    }
    return promise;
  }

  private async sendSynchronizing(tag: string, parts: Array<string | Buffer>): Promise<void> {
    let head = `${tag} `;
    try {
      for (const part of parts) {
        if (!Buffer.isBuffer(part)) {
          head += part;
          continue;
        }
        const go = new Promise<string>((resolve, reject) => this.continuationWaiters.push({ resolve, reject }));
        this.socket.write(`${head}{${part.length}}\r\n`);
        await go;
        this.socket.write(part);
        head = '';
      }
      this.socket.write(`${head}\r\n`);
    } catch {
      // The connection failed; the command's promise is rejected by fail().
    }
  }

  /** Waits for the next "+" continuation (IDLE, AUTHENTICATE). */
  continuation(): Promise<string> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ImapError(`no continuation within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.continuationWaiters.push({
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Raw bytes, for IDLE's DONE. */
  write(text: string): void {
    if (!this.closedError) this.socket.write(text);
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  async logout(): Promise<void> {
    try {
      await this.run('LOGOUT');
    } catch {
      // Servers may close before or after the tagged OK; either is fine.
    }
    this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
    this.fail(new ImapError('connection closed by the client'));
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.socket.destroy();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    for (const w of this.continuationWaiters) w.reject(err);
    this.continuationWaiters = [];
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let pos = 0;
    while (pos < this.buffer.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, this.buffer.length - pos);
        this.literalLeft -= take;
        pos += take;
        continue;
      }
      const end = this.buffer.indexOf(CRLF, pos);
      if (end < 0) break;
      const line = this.buffer.toString('latin1', pos, end);
      pos = end + 2;
      const literal = LITERAL_AT_END.exec(line);
      if (literal) {
        const size = Number(literal[1]);
        this.lineParts.push(line);
        this.literalLeft = size;
        const current = this.currentCommand();
        if (current) current.literalBytes += size;
        continue;
      }
      this.lineParts.push(line);
      const whole = this.lineParts.length === 1 ? line : this.lineParts.join('');
      this.lineParts = [];
      this.onResponse(whole);
      if (this.closedError) return;
    }
    this.buffer = pos >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(pos);
  }

  /** Literals in untagged data belong to the oldest running command (the server answers in order). */
  private currentCommand(): Pending | undefined {
    return this.pending.values().next().value;
  }

  private onResponse(line: string): void {
    if (line.startsWith('+')) {
      const waiter = this.continuationWaiters.shift();
      if (waiter) waiter.resolve(line.slice(2));
      else this.fail(new ImapError(`unexpected continuation: ${line.slice(0, 200)}`));
      return;
    }
    if (line.startsWith('* ')) {
      // A BYE is only noted: the close that follows fails whatever is still running.
      if (/^\* (OK|NO|BAD|PREAUTH) \[CAPABILITY /i.test(line) || /^\* CAPABILITY /i.test(line)) this.noteCapabilities(line);
      const current = this.currentCommand();
      if (current) current.untagged.push(line);
      else this.strayUntagged++;
      this.untaggedListener?.(line);
      return;
    }
    const space = line.indexOf(' ');
    const tag = space > 0 ? line.slice(0, space) : line;
    const pending = this.pending.get(tag);
    if (!pending) {
      this.fail(new ImapError(`reply for an unknown tag: ${line.slice(0, 200)}`));
      return;
    }
    this.pending.delete(tag);
    clearTimeout(pending.timer);
    const rest = line.slice(space + 1);
    const statusEnd = rest.indexOf(' ');
    const status = (statusEnd < 0 ? rest : rest.slice(0, statusEnd)).toUpperCase();
    if (status !== 'OK' && status !== 'NO' && status !== 'BAD') {
      this.fail(new ImapError(`not a tagged status: ${line.slice(0, 200)}`));
      pending.reject(new ImapError(`not a tagged status: ${line.slice(0, 200)}`));
      return;
    }
    const text = statusEnd < 0 ? '' : rest.slice(statusEnd + 1);
    if (/^\[CAPABILITY /i.test(text)) this.noteCapabilities(text);
    pending.resolve({ status, text, untagged: pending.untagged, literalBytes: pending.literalBytes, ms: performance.now() - pending.started });
  }

  private noteCapabilities(line: string): void {
    const match = /CAPABILITY ([^\]]*)/i.exec(line);
    if (!match) return;
    this.capabilities = new Set(match[1].trim().toUpperCase().split(/\s+/));
  }
}

function describe(parts: Array<string | Buffer>): string {
  const first = parts.find((p): p is string => typeof p === 'string') ?? '';
  return first.split(' ').slice(0, 2).join(' ');
}

/** An IMAP quoted string (RFC 9051 §4.3): backslash and double quote escaped. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Connects, logs in and checks the reply; the error says which step failed and the server's words. */
export async function openLoggedIn(options: ConnectOptions, user: string, password: string): Promise<ImapConnection> {
  const connection = await ImapConnection.open(options);
  const reply = await connection.run(`LOGIN ${quote(user)} ${quote(password)}`).catch((err: Error) => {
    connection.destroy();
    throw err;
  });
  if (reply.status !== 'OK') {
    connection.destroy();
    throw new ImapError(`LOGIN ${user}: ${reply.status} ${reply.text}`);
  }
  // Many servers send new capabilities in the tagged OK; ask only when they did not.
  if (!/^\[CAPABILITY /i.test(reply.text)) await connection.run('CAPABILITY');
  return connection;
}

/** Throws unless the reply is OK; for set-up steps where anything else is a failure. */
export function mustBeOk(reply: Reply, what: string): Reply {
  if (reply.status !== 'OK') throw new ImapError(`${what}: ${reply.status} ${reply.text}`);
  return reply;
}
