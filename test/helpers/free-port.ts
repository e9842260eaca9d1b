import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768–60999), so a port a test server gives up across a restart
// is not taken meanwhile as the local end of some outgoing connection (PostgreSQL, SMTP clients),
// and chosen at random, so test files running side by side rarely pick the same one.
const LOW = 20_000;
const HIGH = 32_000;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port free right now, for a test server started right after. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}
