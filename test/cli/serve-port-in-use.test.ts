// `petrel serve` on a port another program holds: one clear line and exit status 1, promptly.
// The MX listener boots the inspection threads when it is made, so a start that fails after it
// must stop them too, or the failed process never exits (a supervisor would wait forever).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../helpers/petrel-process.ts';

test('a port already in use ends serve with one line and exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-port-in-use-'));
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    const off = ['submission', 'submissions', 'lmtp', 'imap', 'imaps', 'pop3', 'pop3s', 'http'].flatMap((p) => [`--${p}-port`, '0']);
    const child = spawn(process.execPath, [join(ROOT, 'bin/petrel.js'), 'serve', '--data', dir, '--listen', '127.0.0.1', '--smtp-port', String(port), ...off], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      // Only to stop a hang from hanging the suite: a failed start must end on its own.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 60_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 1, `serve must exit 1 on its own; stderr: ${stderr}`);
    assert.match(stderr, /^petrel: a port is already in use: .*EADDRINUSE.*$/m);
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
