import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { constants as zlibConstants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** Output beyond this is held back: the session waits for the client to read before producing more. */
const HIGH_WATER = 1024 * 1024;

/**
 * One client's byte stream, whatever it is wrapped in: plain TCP, TLS after STARTTLS, DEFLATE
 * after COMPRESS (RFC 4978). Writes made in one tick go out as one packet, which keeps a FETCH of
 * a thousand small responses from costing a thousand syscalls (and, compressed, sync flushes).
 */
export class ImapConnection {
  private socket: Socket;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private deflate: DeflateRaw | null = null;
  private inflate: InflateRaw | null = null;
  private closed = false;
  private onData: (chunk: Buffer) => void = () => {};
  private readonly closeListeners: (() => void)[] = [];
  private idle: { ms: number; onTimeout: () => void } | null = null;

  constructor(socket: Socket, readonly remoteAddress: string, private secure: boolean) {
    this.socket = socket;
    this.attach(socket);
  }

  get isSecure(): boolean {
    return this.secure;
  }

  get isCompressed(): boolean {
    return this.deflate !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  data(listener: (chunk: Buffer) => void): void {
    this.onData = listener;
  }

  closed$(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => (this.inflate ? this.inflate.write(chunk) : this.onData(chunk)));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.markClosed());
    socket.on('end', () => this.destroy());
    if (this.idle) socket.setTimeout(this.idle.ms, this.idle.onTimeout);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener();
  }

  write(bytes: Buffer): void {
    if (this.closed) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends what is pending now; used before a socket is re-wrapped or closed. */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.deflate) {
      this.deflate.write(bytes);
      this.deflate.flush(zlibConstants.Z_SYNC_FLUSH);
    } else {
      this.socket.write(bytes);
    }
  }

  /** True when the session should stop producing output until `drained()` resolves. */
  get congested(): boolean {
    return this.pendingBytes > HIGH_WATER || this.socket.writableLength > HIGH_WATER;
  }

  /** Resolves when the client has read enough of what we sent; a client that never reads is cut off by the idle timer. */
  async drained(): Promise<void> {
    if (this.pendingBytes > HIGH_WATER) this.flush();
    if (this.closed || this.socket.writableLength <= HIGH_WATER) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Upgrades to TLS in place (STARTTLS). Bytes the client pipelined after STARTTLS are dropped, as RFC 9051 §6.2.1 requires. */
  async startTls(context: SecureContext): Promise<void> {
    this.flush();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
    });
    this.secure = true;
  }

  /** RFC 4978: everything after the tagged OK is DEFLATE in both directions. */
  startCompression(): void {
    this.flush();
    const deflate = createDeflateRaw({ level: 6 });
    const inflate = createInflateRaw();
    deflate.on('data', (chunk: Buffer) => this.socket.write(chunk));
    inflate.on('data', (chunk: Buffer) => this.onData(chunk));
    inflate.on('error', () => this.destroy());
    deflate.on('error', () => this.destroy());
    this.deflate = deflate;
    this.inflate = inflate;
  }

  /** Stops reading from the client while the session works through what it already sent. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Flushes and half-closes, then makes sure the socket goes even if the peer never answers. */
  end(): void {
    if (this.closed) return;
    this.flush();
    if (this.deflate) this.deflate.end(() => this.socket.end());
    else this.socket.end();
    setTimeout(() => this.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  /** Fires after `ms` without traffic either way; survives the STARTTLS re-wrap. */
  setIdleTimeout(ms: number, onTimeout: () => void): void {
    if (this.idle) this.socket.off('timeout', this.idle.onTimeout);
    this.idle = { ms, onTimeout };
    this.socket.setTimeout(ms, onTimeout);
  }
}
