// A `petrel serve` with only the HTTP listener, for benches that measure the admin API or JMAP.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the server on `port` and resolves once it is ready; the result stops it. */
export async function startHttpPetrel(dataDir: string, database: string, port: number): Promise<() => Promise<void>> {
  const off = ['smtp', 'submission', 'submissions', 'lmtp', 'imap', 'imaps', 'pop3', 'pop3s'].flatMap((p) => [`--${p}-port`, '0']);
  const child = spawn(process.execPath, [join(ROOT, 'bin/petrel.js'), 'serve', '--data', dataDir, '--database', database, '--listen', '127.0.0.1', '--http-port', String(port), ...off], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('petrel ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`petrel exited with ${code}: ${out}`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}
