// A deliberately plain SMTP client on net.Socket for load and crash tests: no pipelining, no
// library between the test and the wire, so "acknowledged" means exactly "we read 250 after DATA".
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

interface Reply {
  code: number;
  text: string;
}

/** Reads multi-line SMTP replies (RFC 5321 §4.2.1) off one socket. */
class ReplyReader {
  private buffer = '';
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private lines: string[] = [];
  private closed: Error | null = null;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.push(chunk));
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
      if (line.charAt(3) !== '-') {
        this.replies.push({ code: Number(line.slice(0, 3)), text: this.lines.join('\n') });
        this.lines = [];
      }
    }
    while (this.waiter && this.replies.length > 0) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve(this.replies.shift() as Reply);
    }
  }

  next(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

export interface BurstMessage {
  subject: string;
  /** Exactly what the server must store after its own trace headers (CRLF line ends, no dot-stuffing). */
  raw: Buffer;
}

/** A message with a unique subject and Message-ID, a line that needs dot-stuffing, and some bulk to compare. */
export function burstMessage(tag: string, from: string, to: string): BurstMessage {
  const subject = `burst ${tag}`;
  const body = Array.from({ length: 20 }, () => randomBytes(36).toString('base64')).join('\r\n');
  const raw = Buffer.from(
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${tag}@burst.test>\r\nDate: ${new Date().toUTCString()}\r\n\r\n` +
      `.a line starting with a dot\r\n${body}\r\n`,
    'latin1',
  );
  return { subject, raw };
}

function dotStuff(raw: Buffer): string {
  return raw.toString('latin1').replace(/^\./gm, '..');
}

export interface BurstResult {
  /** Messages the server answered 250 to after DATA, by subject. */
  acknowledged: Map<string, BurstMessage>;
  /** How many DATA transactions were started (acknowledged or not). */
  attempted: number;
}

/**
 * Sends messages over `connections` parallel sessions, each as fast as the server answers, until
 * `shouldStop()` or the server goes away. Resolves once every session has ended; a session that
 * neither ends nor answers is cut after `idleTimeoutMs`, so this never hangs.
 */
export async function smtpBurst(options: {
  port: number;
  connections: number;
  from: string;
  to: string;
  tag: string;
  shouldStop: () => boolean;
  /** AUTH PLAIN first (the submission port; Petrel takes it without TLS from loopback). */
  auth?: { user: string; pass: string };
  /** Called on every acknowledgement, so a caller can wait for progress before pulling the plug. */
  onAcknowledged?: (message: BurstMessage) => void;
  idleTimeoutMs?: number;
}): Promise<BurstResult> {
  const acknowledged = new Map<string, BurstMessage>();
  let attempted = 0;
  const session = async (index: number): Promise<void> => {
    const socket = connect({ host: '127.0.0.1', port: options.port });
    socket.setTimeout(options.idleTimeoutMs ?? 30_000, () => socket.destroy(new Error('idle timeout')));
    const reader = new ReplyReader(socket);
    const command = async (line: string, expect: number): Promise<Reply> => {
      socket.write(`${line}\r\n`);
      const reply = await reader.next();
      if (reply.code !== expect) throw new Error(`${line.split(' ')[0]}: ${reply.text}`);
      return reply;
    };
    try {
      const greeting = await reader.next();
      if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
      await command(`EHLO burst${index}.test`, 250);
      if (options.auth) await command(`AUTH PLAIN ${Buffer.from(`\0${options.auth.user}\0${options.auth.pass}`).toString('base64')}`, 235);
      for (let n = 0; !options.shouldStop(); n++) {
        const message = burstMessage(`${options.tag}-${index}-${n}`, options.from, options.to);
        attempted++;
        await command(`MAIL FROM:<${options.from}>`, 250);
        await command(`RCPT TO:<${options.to}>`, 250);
        await command('DATA', 354);
        socket.write(`${dotStuff(message.raw)}.\r\n`);
        const reply = await reader.next();
        // Only a 250 to the end of data makes the server responsible for the message (RFC 5321 §4.1.1.4).
        if (reply.code === 250) {
          acknowledged.set(message.subject, message);
          options.onAcknowledged?.(message);
        }
      }
      socket.end('QUIT\r\n');
    } catch {
      // The server was killed mid-session: whatever was not acknowledged is not owed.
    } finally {
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => session(i)));
  return { acknowledged, attempted };
}
