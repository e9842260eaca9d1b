import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, createSecureContext, type TLSSocket } from 'node:tls';

import type { TlsMaterial } from '../smtp/tls-certificate.ts';
import { ImapConnection } from './connection.ts';
import { ImapSession, type ImapServices } from './session.ts';

export interface ImapListenerOptions {
  /** True for port 993-style implicit TLS, false for 143-style with STARTTLS. */
  implicitTls: boolean;
  tls: TlsMaterial;
  /** Open connections beyond this are refused with a BYE, so one flood cannot exhaust the process. */
  maxConnections?: number;
}

const DEFAULT_MAX_CONNECTIONS = 20_000;

export interface ImapListener {
  server: Server;
  /** Binds and resolves with the port actually bound (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, then cuts the sessions still open (they hold no unsaved state). */
  close(): Promise<void>;
}

/** A TCP or TLS server that runs one ImapSession per client. */
export function createImapListener(options: ImapListenerOptions, services: Omit<ImapServices, 'tlsContext'>): ImapListener {
  const tlsContext = createSecureContext({ key: options.tls.key, cert: options.tls.cert });
  const full: ImapServices = { ...services, tlsContext };
  const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const open = new Set<Socket>();
  const accept = (socket: Socket, secure: boolean) => {
    socket.setNoDelay(true);
    if (open.size >= max) {
      socket.end('* BYE Too many connections, try again later\r\n');
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const connection = new ImapConnection(socket, socket.remoteAddress ?? '', secure);
    new ImapSession(connection, full).start();
  };
  let server: Server;
  if (options.implicitTls) {
    const tlsServer = createTlsServer({ key: options.tls.key, cert: options.tls.cert }, (socket: TLSSocket) => accept(socket, true));
    // A client that fails the handshake must not take the server down.
    tlsServer.on('tlsClientError', () => {});
    server = tlsServer;
  } else {
    server = createTcpServer((socket) => accept(socket, false));
  }
  return {
    server,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
