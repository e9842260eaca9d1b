// A raw SMTP/LMTP client on net/tls sockets, for the cases no well-behaved library will send:
// garbage commands, bare pipelines, exact byte streams. Nothing between the test and the wire.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  code: number;
  /** Every line of the reply, joined with \n, codes included. */
  text: string;
}

/** RFC 5321 §4.1.1.4: a line starting with "." gets a second one; the data ends in CRLF before the dot. */
export function dotStuff(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/^\./gm, '..');
  return Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}

export class SmtpSession {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private closed: Error | null = null;

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Connects and reads the greeting; `tls` for implicit TLS (port 465). Self-signed certs are accepted. */
  static async open(port: number, options: { tls?: boolean; timeoutMs?: number } = {}): Promise<{ session: SmtpSession; greeting: Reply }> {
    const socket = options.tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
    // Only there to stop a hang: a server that goes quiet fails the test instead of stalling it.
    socket.setTimeout(options.timeoutMs ?? 60_000, () => socket.destroy(new Error('SMTP session idle timeout')));
    const session = new SmtpSession(socket);
    return { session, greeting: await session.next() };
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => this.push(chunk.toString('latin1')));
    const fail = (err?: Error) => {
      this.closed ??= err ?? new Error('connection closed');
      this.waiter?.reject(this.closed);
      this.waiter = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\r\n'); end >= 0; end = this.buffer.indexOf('\r\n')) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line);
      // "250-" continues a multi-line reply, "250 " ends it (RFC 5321 §4.2.1).
      if (line.charAt(3) !== '-') {
        this.replies.push({ code: Number(line.slice(0, 3)), text: this.lines.join('\n') });
        this.lines = [];
      }
    }
    while (this.waiter && this.replies.length > 0) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve(this.replies.shift()!);
    }
  }

  /** The next complete reply; rejects if the server closes the connection first. */
  next(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string | Buffer): Promise<Reply> {
    this.write(Buffer.concat([Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from('\r\n')]));
    return this.next();
  }

  /** DATA, the dot-stuffed message and the final dot: the 354 and the reply to the message. */
  async data(raw: Buffer): Promise<{ start: Reply; end: Reply | null }> {
    const start = await this.command('DATA');
    if (start.code !== 354) return { start, end: null };
    this.write(Buffer.concat([dotStuff(raw), Buffer.from('.\r\n')]));
    return { start, end: await this.next() };
  }

  /** LMTP (RFC 2033 §4.2): after the final dot, one reply per accepted recipient. */
  async lmtpData(raw: Buffer, accepted: number): Promise<Reply[]> {
    const start = await this.command('DATA');
    if (start.code !== 354) return [start];
    this.write(Buffer.concat([dotStuff(raw), Buffer.from('.\r\n')]));
    const replies: Reply[] = [];
    for (let i = 0; i < accepted; i++) replies.push(await this.next());
    return replies;
  }

  /** STARTTLS (RFC 3207); the session continues over TLS and must say EHLO again. */
  async startTls(): Promise<Reply> {
    const reply = await this.command('STARTTLS');
    if (reply.code === 220) await this.upgrade();
    return reply;
  }

  /** The TLS handshake over the current socket, once the server has said 220 to STARTTLS. */
  async upgrade(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  get encrypted(): boolean {
    return 'encrypted' in this.socket && this.socket.encrypted === true;
  }

  /** QUIT if still connected, then drop the socket either way. */
  async close(): Promise<void> {
    if (!this.closed) {
      try {
        await this.command('QUIT');
      } catch {
        // Already gone: nothing to say goodbye to.
      }
    }
    this.socket.destroy();
  }
}
