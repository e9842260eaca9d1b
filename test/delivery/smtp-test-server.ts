// An in-process smtp-server on a free loopback port that records what it was sent.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerOptions, SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  mailFrom: SMTPServerAddress;
  rcptTo: SMTPServerAddress[];
  secure: boolean;
  user: unknown;
  data: Buffer;
}

export interface TestServer {
  port: number;
  received: ReceivedMessage[];
  /** Number of connections the server saw. */
  connections(): number;
  close(): Promise<void>;
}

type Reject = { code: number; message: string };

export interface TestServerOptions extends Omit<SMTPServerOptions, 'onRcptTo' | 'onMailFrom' | 'onData' | 'onConnect'> {
  /** Refuse a recipient: return the reply to send, or undefined to accept. */
  rcpt?: (address: string) => Reject | undefined;
  mail?: (address: string) => Reject | undefined;
  data?: (message: Buffer) => Reject | undefined;
  connect?: () => Reject | undefined;
}

function smtpError({ code, message }: Reject): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const { rcpt, mail, data, connect, ...serverOptions } = opts;
  const received: ReceivedMessage[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...serverOptions,
    onConnect(_session: SMTPServerSession, callback) {
      connections++;
      const refusal = connect?.();
      callback(refusal ? smtpError(refusal) : null);
    },
    onMailFrom(address, _session, callback) {
      const refusal = mail?.(address.address);
      callback(refusal ? smtpError(refusal) : null);
    },
    onRcptTo(address, _session, callback) {
      const refusal = rcpt?.(address.address);
      callback(refusal ? smtpError(refusal) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message = Buffer.concat(chunks);
        const refusal = data?.(message);
        if (refusal) return callback(smtpError(refusal));
        const { mailFrom, rcptTo } = session.envelope;
        if (mailFrom) received.push({ mailFrom, rcptTo: [...rcptTo], secure: session.secure, user: session.user, data: message });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on: bound, noted and released. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
