// Load and crash tests' SMTP traffic over the raw SmtpSession: no pipelining, no library between
// the test and the wire, so "acknowledged" means exactly "we read 250 after DATA".
import { randomBytes } from 'node:crypto';

import { SmtpSession, type Reply } from './smtp-session.ts';

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
    let session: SmtpSession | null = null;
    const command = async (line: string, expect: number): Promise<Reply> => {
      const reply = await session!.command(line);
      if (reply.code !== expect) throw new Error(`${line.split(' ')[0]}: ${reply.text}`);
      return reply;
    };
    try {
      const opened = await SmtpSession.open(options.port, { timeoutMs: options.idleTimeoutMs ?? 30_000 });
      session = opened.session;
      if (opened.greeting.code !== 220) throw new Error(`greeting: ${opened.greeting.text}`);
      await command(`EHLO burst${index}.test`, 250);
      if (options.auth) await command(`AUTH PLAIN ${Buffer.from(`\0${options.auth.user}\0${options.auth.pass}`).toString('base64')}`, 235);
      for (let n = 0; !options.shouldStop(); n++) {
        const message = burstMessage(`${options.tag}-${index}-${n}`, options.from, options.to);
        attempted++;
        await command(`MAIL FROM:<${options.from}>`, 250);
        await command(`RCPT TO:<${options.to}>`, 250);
        const { end } = await session.data(message.raw);
        // Only a 250 to the end of data makes the server responsible for the message (RFC 5321 §4.1.1.4).
        if (end?.code === 250) {
          acknowledged.set(message.subject, message);
          options.onAcknowledged?.(message);
        }
      }
    } catch {
      // The server was killed mid-session: whatever was not acknowledged is not owed.
    } finally {
      await session?.close();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => session(i)));
  return { acknowledged, attempted };
}
