import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

import type { BenchMessage } from './messages.ts';

/**
 * A deliberately minimal SMTP client (RFC 5321 with RFC 2920 pipelining) so that the load generator
 * costs little CPU next to the server under test: no parsing beyond reply codes, no TLS, no AUTH,
 * messages handed to the socket as prepared buffers.
 */

export interface Reply {
  code: number;
  text: string;
}

export interface SendResult {
  ok: boolean;
  /** End of DATA (the final "." handed to the socket) to the server's reply, in ms; only when DATA was sent. */
  latencyMs?: number;
  /** The reply that decided the outcome, for the error summary. */
  reply: Reply;
}

export class SmtpError extends Error {}

export class SmtpSession {
  private buffered = '';
  private partial: string[] = [];
  private readonly replies: Reply[] = [];
  private readonly waiters: { resolve: (reply: Reply) => void; reject: (err: Error) => void }[] = [];
  private failure: Error | null = null;
  private extensions = new Set<string>();

  private constructor(
    private readonly socket: Socket,
    private readonly replyTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => this.onData(data));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new SmtpError('connection closed by the server')));
  }

  /** Connects, reads the greeting and says EHLO; rejects on anything but 220 and 250. */
  static async open(host: string, port: number, helo: string, replyTimeoutMs: number): Promise<SmtpSession> {
    const socket = connect({ host, port });
    const session = new SmtpSession(socket, replyTimeoutMs);
    await session.expect(220, 'greeting');
    socket.write(`EHLO ${helo}\r\n`);
    const ehlo = await session.expect(250, 'EHLO');
    session.extensions = new Set(
      ehlo.text
        .split('\n')
        .slice(1)
        .map((line) => line.split(' ')[0].toUpperCase()),
    );
    return session;
  }

  get pipelining(): boolean {
    return this.extensions.has('PIPELINING');
  }

  /**
   * One transaction. With PIPELINING, MAIL, RCPT and DATA go out in one write (RFC 2920 §3.1: DATA
   * ends the group); the content goes only after 354, and the 250 after the final dot is the
   * server's acceptance, which is what the latency measures.
   */
  async send(message: BenchMessage): Promise<SendResult> {
    const mail = `MAIL FROM:<${message.from}>${this.extensions.has('SIZE') ? ` SIZE=${message.size}` : ''}\r\n`;
    const rcpt = `RCPT TO:<${message.to}>\r\n`;
    let mailReply: Reply;
    let rcptReply: Reply;
    let dataReply: Reply;
    if (this.pipelining) {
      this.socket.write(mail + rcpt + 'DATA\r\n');
      mailReply = await this.read();
      rcptReply = await this.read();
      dataReply = await this.read();
    } else {
      this.socket.write(mail);
      mailReply = await this.read();
      if (mailReply.code !== 250) return { ok: false, reply: mailReply };
      this.socket.write(rcpt);
      rcptReply = await this.read();
      if (rcptReply.code !== 250 && rcptReply.code !== 251) return this.abandon(rcptReply);
      this.socket.write('DATA\r\n');
      dataReply = await this.read();
    }
    if (dataReply.code !== 354) return this.abandon(mailReply.code !== 250 ? mailReply : rcptReply.code >= 300 ? rcptReply : dataReply);
    // Corked so a message made of several buffers leaves in as few segments as the kernel allows.
    this.socket.cork();
    for (const chunk of message.chunks) this.socket.write(chunk);
    this.socket.uncork();
    const sentAt = performance.now();
    const final = await this.read();
    return { ok: final.code === 250, latencyMs: performance.now() - sentAt, reply: final };
  }

  /** After a refused MAIL or RCPT the transaction may still be open on the server; RSET clears it (RFC 5321 §4.1.1.5). */
  private async abandon(reply: Reply): Promise<SendResult> {
    this.socket.write('RSET\r\n');
    await this.read();
    return { ok: false, reply };
  }

  async quit(): Promise<void> {
    if (this.failure) return;
    this.socket.write('QUIT\r\n');
    await this.read().catch(() => undefined);
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async expect(code: number, what: string): Promise<Reply> {
    const reply = await this.read();
    if (reply.code !== code) throw new SmtpError(`${what}: ${reply.code} ${reply.text}`);
    return reply;
  }

  /** The next complete reply (multi-line ones joined with "\n"), or an error after the timeout. */
  private read(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new SmtpError(`no reply within ${this.replyTimeoutMs} ms`));
        this.socket.destroy();
      }, this.replyTimeoutMs);
      this.waiters.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Splits the stream into reply lines; "250-" continues a reply, "250 " ends it (RFC 5321 §4.2.1). */
  private onData(data: string): void {
    this.buffered += data;
    let end: number;
    while ((end = this.buffered.indexOf('\r\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      this.partial.push(line.slice(4));
      if (line[3] === '-') continue;
      const reply = { code: Number(line.slice(0, 3)), text: this.partial.join('\n') };
      this.partial = [];
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(reply);
      else this.replies.push(reply);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }
}
