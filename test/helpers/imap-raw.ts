// A bare IMAP socket for the tests that need what no polite client does (IDLE from two sessions
// at once, garbage, a reader that stops reading, a thousand connections): it frames responses
// (lines with their literals) and nothing more. Every assertion is on the text the server sent.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface ImapResponse {
  /** The whole response as latin-1, CRLFs and literal data included. */
  text: string;
  literals: Buffer[];
}

export interface CommandResult {
  tag: string;
  untagged: ImapResponse[];
  tagged: ImapResponse;
  /** Every response's text, for assertion messages and regexes across the lot. */
  all: string;
}

export class ConnectionClosed extends Error {}

export class RawImap {
  greeting!: ImapResponse;
  closed = false;
  readonly received: ImapResponse[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private waiters: { resolve: (r: ImapResponse) => void; reject: (e: Error) => void }[] = [];
  private tagCounter = 0;
  private closedWaiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.pump();
    });
    const onClose = () => {
      if (this.closed) return;
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new ConnectionClosed(`connection closed by the server; unparsed: ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))}`));
      for (const w of this.closedWaiters.splice(0)) w();
    };
    socket.on('close', onClose);
    socket.on('end', onClose);
    socket.on('error', onClose);
  }

  static async connect(port: number, options: { tls?: boolean; host?: string; timeoutMs?: number } = {}): Promise<RawImap> {
    const host = options.host ?? '127.0.0.1';
    const socket: Socket = options.tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawImap(socket);
    client.greeting = await client.next(options.timeoutMs ?? 30_000);
    return client;
  }

  private pump(): void {
    for (;;) {
      const response = this.parse();
      if (!response) break;
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(response);
      else this.received.push(response);
    }
  }

  /** One response off the front of the buffer, if it is all there. */
  private parse(): ImapResponse | null {
    let pos = 0;
    const literals: Buffer[] = [];
    for (;;) {
      const eol = this.buf.indexOf('\r\n', pos, 'latin1');
      if (eol < 0) return null;
      const line = this.buf.toString('latin1', pos, eol);
      const marker = /~?\{(\d+)\}$/.exec(line);
      if (!marker) {
        const end = eol + 2;
        const text = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end);
        return { text, literals };
      }
      const size = Number(marker[1]);
      const start = eol + 2;
      if (this.buf.length < start + size) return null;
      literals.push(Buffer.from(this.buf.subarray(start, start + size)));
      pos = start + size;
    }
  }

  /** The next response, waiting up to timeoutMs (only there to stop a hang). */
  next(timeoutMs = 30_000): Promise<ImapResponse> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new ConnectionClosed('connection closed by the server'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (r: ImapResponse) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no response from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Responses up to and including the first one `match` accepts. */
  async until(match: (r: ImapResponse) => boolean, timeoutMs = 30_000, what = 'a matching response'): Promise<ImapResponse[]> {
    const seen: ImapResponse[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let response: ImapResponse;
      try {
        response = await this.next(Math.max(1, deadline - Date.now()));
      } catch (err) {
        throw new Error(`${(err as Error).message} while waiting for ${what}; got:\n${seen.map((r) => r.text).join('')}`);
      }
      seen.push(response);
      if (match(response)) return seen;
    }
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  newTag(): string {
    return `t${++this.tagCounter}`;
  }

  /**
   * Sends `tag text` and collects responses until the tagged one. Synchronizing literals in the
   * text (`{n}` at a line end) wait for the server's continuation, as RFC 9051 §7.5 requires.
   */
  async command(text: string | Buffer, options: { tag?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    const tag = options.tag ?? this.newTag();
    const data = Buffer.concat([Buffer.from(`${tag} `), typeof text === 'string' ? Buffer.from(text, 'utf8') : text, Buffer.from('\r\n')]);
    const untagged: ImapResponse[] = [];
    // Split after each synchronizing literal marker: send, wait for "+", send the rest.
    const pieces: Buffer[] = [];
    let from = 0;
    const str = data.toString('latin1');
    const re = /\{\d+\}\r\n/g;
    for (let m = re.exec(str); m; m = re.exec(str)) {
      pieces.push(data.subarray(from, m.index + m[0].length));
      from = m.index + m[0].length;
    }
    pieces.push(data.subarray(from));
    const timeoutMs = options.timeoutMs ?? 60_000;
    for (let i = 0; i < pieces.length; i++) {
      this.send(pieces[i]);
      if (i === pieces.length - 1) break;
      const before = await this.until((r) => r.text.startsWith('+') || r.text.startsWith(`${tag} `), timeoutMs, `the continuation for ${tag}`);
      const last = before[before.length - 1];
      untagged.push(...before.slice(0, -1));
      if (!last.text.startsWith('+')) return { tag, untagged, tagged: last, all: [...untagged, last].map((r) => r.text).join('') };
    }
    const rest = await this.until((r) => r.text.startsWith(`${tag} `), timeoutMs, `the tagged reply to ${tag}`);
    untagged.push(...rest.slice(0, -1));
    const tagged = rest[rest.length - 1];
    return { tag, untagged, tagged, all: [...untagged, tagged].map((r) => r.text).join('') };
  }

  async login(user: string, password: string): Promise<CommandResult> {
    const result = await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    if (!/^\S+ OK/.test(result.tagged.text)) throw new Error(`LOGIN ${user} failed: ${result.all}`);
    return result;
  }

  /** Resolves once the server has closed the connection. */
  waitClosed(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${timeoutMs} ms`)), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

export function isOk(result: CommandResult): boolean {
  return new RegExp(`^${result.tag} OK\\b`).test(result.tagged.text);
}
