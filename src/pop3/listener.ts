import net from 'node:net';
import tls from 'node:tls';

import type { TlsMaterial } from '../smtp/tls-certificate.ts';
import { err, MAX_LINE_LENGTH } from './proto.ts';
import { Pop3Session, type Pop3Backend, type Pop3Transport } from './session.ts';

export interface Pop3ListenerOptions {
  tls: TlsMaterial;
  /** Port 995 style: TLS from the first byte (RFC 8314); otherwise STLS on the plain port. */
  implicitTls: boolean;
  allowInsecureAuth: boolean;
  log: (line: string) => void;
  /** RFC 1939 §3: an inactivity autologout timer of at least 10 minutes. */
  idleTimeoutMs?: number;
  failureDelayMs?: number;
}

const IDLE_TIMEOUT_MS = 10 * 60_000;
const FAILURE_DELAY_MS = 1000;
/** How long shutdown waits for commands in flight (a QUIT's expunge) before cutting connections. */
const SHUTDOWN_GRACE_MS = 2000;
const LINE_TOO_LONG = Symbol('line too long');

/** One client connection: splits the byte stream into command lines and feeds them to the session one at a time. */
class Pop3Connection implements Pop3Transport {
  readonly remoteAddress: string;
  secure: boolean;
  private socket: net.Socket;
  private readonly session: Pop3Session;
  private partial = Buffer.alloc(0);
  private readonly queue: (string | typeof LINE_TOO_LONG)[] = [];
  private running = false;
  private ending = false;
  private stopping = false;
  readonly gone: Promise<void>;
  private markGone!: () => void;

  constructor(
    socket: net.Socket,
    secure: boolean,
    private readonly secureContext: tls.SecureContext,
    private readonly options: Pop3ListenerOptions,
    backend: Pop3Backend,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.secure = secure;
    this.socket = socket;
    this.gone = new Promise((resolve) => (this.markGone = resolve));
    this.session = new Pop3Session(this, backend, {
      stlsAvailable: !options.implicitTls,
      allowInsecureAuth: options.allowInsecureAuth,
      failureDelayMs: options.failureDelayMs ?? FAILURE_DELAY_MS,
      log: options.log,
    });
    this.attach(socket);
    void this.session.greeting();
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setTimeout(this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    // A reset or a failed handshake ends the connection; 'close' follows and cleans up.
    socket.on('error', () => socket.destroy());
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('timeout', this.onTimeout);
    socket.off('close', this.onClose);
    socket.setTimeout(0);
  }

  private readonly onData = (chunk: Buffer): void => {
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    let start = 0;
    for (let lf = data.indexOf(0x0a, start); lf >= 0; lf = data.indexOf(0x0a, start)) {
      if (lf - start > MAX_LINE_LENGTH) return this.overflow();
      const end = lf > start && data[lf - 1] === 0x0d ? lf - 1 : lf;
      this.queue.push(data.toString('utf8', start, end));
      start = lf + 1;
    }
    // Copied so the rest of a large chunk is not kept alive by a short partial line.
    this.partial = Buffer.from(data.subarray(start));
    if (this.partial.length > MAX_LINE_LENGTH) return this.overflow();
    if (this.queue.length > 0) {
      // One command at a time: reading stops until the queue is done, so a client pipelining
      // faster than we answer fills its own TCP window, not our memory.
      this.socket.pause();
      void this.pump();
    }
  };

  /** A line past the limit is abuse or a peer that is not speaking POP3; answer after what is queued, then close. */
  private overflow(): void {
    this.socket.off('data', this.onData);
    this.socket.pause();
    this.partial = Buffer.alloc(0);
    this.queue.push(LINE_TOO_LONG);
    void this.pump();
  }

  private readonly onTimeout = (): void => {
    if (this.ending) {
      this.socket.destroy();
      return;
    }
    void this.write(err('disconnected for inactivity'));
    this.session.close();
  };

  private readonly onClose = (): void => {
    this.ending = true;
    this.queue.length = 0;
    // Without QUIT there is no UPDATE state: nothing marked deleted is expunged (RFC 1939 §6).
    this.session.close();
    this.markGone();
  };

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0 && !this.session.closed && !this.stopping) {
      const line = this.queue.shift()!;
      if (line === LINE_TOO_LONG) {
        await this.write(err('line too long'));
        this.session.close();
        break;
      }
      await this.session.handleLine(line);
    }
    this.running = false;
    if (this.stopping) this.socket.destroy();
    else if (!this.ending) this.socket.resume();
  }

  write(data: string | Buffer): Promise<void> {
    if (this.ending || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  async startTls(): Promise<void> {
    // RFC 2595 §4 (and CVE-2011-0411): commands pipelined behind STLS arrived in cleartext and are dropped.
    this.queue.length = 0;
    this.partial = Buffer.alloc(0);
    const plain = this.socket;
    this.detach(plain);
    const secured = new tls.TLSSocket(plain, { isServer: true, secureContext: this.secureContext });
    this.attach(secured);
    // Held until the handshake ends, so the next command is read from the TLS layer only.
    await new Promise<void>((resolve) => {
      const done = () => {
        secured.off('secure', done);
        secured.off('close', done);
        resolve();
      };
      secured.once('secure', done);
      secured.once('close', done);
    });
    if (!secured.destroyed) this.secure = true;
  }

  close(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.end();
  }

  /** Server shutdown: the command in flight finishes (a QUIT's expunge commits), then the connection is cut. */
  shutdown(): Promise<void> {
    this.stopping = true;
    if (!this.running) this.socket.destroy();
    return this.gone;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The POP3 port (STLS) or POP3S port (implicit TLS) over the mail core. */
export class Pop3Listener {
  private readonly server: net.Server;
  private readonly connections = new Set<Pop3Connection>();

  constructor(options: Pop3ListenerOptions, backend: Pop3Backend) {
    const secureContext = tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert });
    const accept = (socket: net.Socket, secure: boolean) => {
      const connection = new Pop3Connection(socket, secure, secureContext, options, backend);
      this.connections.add(connection);
      void connection.gone.then(() => this.connections.delete(connection));
    };
    if (options.implicitTls) {
      // tls.Server builds its own context from key and cert; the secureContext option is for TLSSocket only.
      const server = tls.createServer({ key: options.tls.key, cert: options.tls.cert }, (socket) => accept(socket, true));
      // A client that fails the handshake never reaches us; nothing to answer.
      server.on('tlsClientError', () => {});
      this.server = server;
    } else {
      this.server = net.createServer((socket) => accept(socket, false));
    }
    this.server.on('error', (error) => options.log(`pop3: ${error.message}`));
  }

  /** Resolves with the port bound (useful with 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([Promise.all([...this.connections].map((c) => c.shutdown())), grace]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.destroy();
    await closed;
  }
}
