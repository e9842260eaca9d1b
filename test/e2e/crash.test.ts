import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { createTestDatabase, POSTGRES_SKIP_MESSAGE, type TestDatabase } from '../helpers/postgres.ts';
import { petrelOk, startPetrel, type RunningPetrel, type StartOptions } from '../helpers/petrel-process.ts';

/**
 * One SMTP session sending messages back to back until told to stop, recording the subject of
 * every message whose DATA got a 250. A killed server shows up as a closed socket, which ends it.
 */
function sendUntilStopped(port: number, tag: string, stop: { now: boolean }, acknowledged: string[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    let buffer = '';
    let n = 0;
    let waiting: ((line: string) => void) | null = null;
    const replies: string[] = [];
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (line[3] !== ' ') continue;
        if (waiting) {
          const w = waiting;
          waiting = null;
          w(line);
        } else replies.push(line);
      }
    });
    const reply = () => new Promise<string>((r) => (replies.length > 0 ? r(replies.shift()!) : (waiting = r)));
    socket.on('error', () => {});
    socket.on('close', () => {
      waiting?.('closed');
      resolve();
    });
    (async () => {
      await reply();
      socket.write('EHLO crash.test\r\n');
      await reply();
      while (!stop.now) {
        const subject = `${tag}-${n++}`;
        socket.write('MAIL FROM:<load@remote.test>\r\nRCPT TO:<victim@crash.test>\r\nDATA\r\n');
        const replies3 = [await reply(), await reply(), await reply()];
        if (!replies3[2].startsWith('354')) break;
        socket.write(`Subject: ${subject}\r\nMessage-ID: <${subject}@remote.test>\r\n\r\n${'payload line\r\n'.repeat(200)}.\r\n`);
        if ((await reply()).startsWith('250')) acknowledged.push(subject);
      }
      socket.end();
    })().catch(() => socket.destroy());
  });
}

function stored(server: RunningPetrel): string[] {
  const list = JSON.parse(petrelOk(['mail', 'list', 'victim@crash.test', '--json', ...server.args])) as { subject: string }[];
  return list.map((e) => e.subject);
}

async function killDuringBurst(options: StartOptions, cycles: number): Promise<void> {
  let server = await startPetrel(options);
  petrelOk(['domain', 'add', 'crash.test', ...server.args]);
  petrelOk(['user', 'add', 'victim@crash.test', '--password', 'victim-password', ...server.args]);
  const acknowledged: string[] = [];
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      const stop = { now: false };
      const sessions = Array.from({ length: 8 }, (_, i) => sendUntilStopped(server.ports.smtp, `c${cycle}s${i}`, stop, acknowledged));
      await new Promise((r) => setTimeout(r, 1200 + cycle * 300));
      await server.stop('SIGKILL');
      stop.now = true;
      await Promise.all(sessions);
      server = await startPetrel({ ...options, dataDir: server.dataDir, ports: server.ports });
      const have = stored(server);
      const missing = acknowledged.filter((s) => !have.includes(s));
      assert.deepEqual(missing, [], `cycle ${cycle}: every message answered 250 survives kill -9 (${acknowledged.length} acknowledged, ${have.length} stored)`);
      assert.equal(new Set(have).size, have.length, 'nothing stored twice');
    }
    assert.ok(acknowledged.length > 50, `the burst was a real one (${acknowledged.length} acknowledged)`);
  } finally {
    await server.stop();
  }
}

describe('crash safety: kill -9 during a burst loses nothing that was acknowledged', () => {
  test('SQLite (embedded)', { timeout: 180_000 }, () => killDuringBurst({}, 3));

  describe('PostgreSQL', () => {
    let database: TestDatabase | null;
    before(async () => {
      database = await createTestDatabase();
      if (!database) process.stderr.write(`\n*** ${POSTGRES_SKIP_MESSAGE} ***\n`);
    });
    after(() => database?.drop());
    test('PostgreSQL (scale-out)', { timeout: 180_000 }, async (t) => {
      if (!database) return t.skip(POSTGRES_SKIP_MESSAGE);
      await killDuringBurst({ database: database.url }, 2);
    });
  });
});
