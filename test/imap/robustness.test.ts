// What no client should do, and what many clients do at once: a thousand logged-in connections,
// a client that asks for a huge FETCH and never reads it, and garbage bytes of every kind. The
// server must answer everyone, keep its memory bounded, and never go down or affect another
// session. Plain sockets: the point is the bytes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { isOk, RawImap } from '../helpers/imap-raw.ts';
import { PASSWORD, simpleMessage, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';

const DOMAIN = 'robust.test';
const CONNECTIONS = 1000;
const USERS = 10;

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i], i);
      }
    }),
  );
  return results;
}

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Bytes sent, then the socket closed, whatever the server answers. */
async function throwAt(port: number, chunks: Buffer[], options: { tls?: boolean; pauseMs?: number } = {}): Promise<string> {
  const socket = options.tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', () => resolve());
    socket.once('close', () => resolve());
  });
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    socket.write(chunk);
    await delay(options.pauseMs ?? 5);
  }
  await delay(50);
  socket.destroy();
  return received;
}

describe('IMAP robustness', () => {
  let petrel: ImapPetrel;

  before(async () => {
    const users = Array.from({ length: USERS }, (_, i) => `crowd${i}`);
    petrel = await startImapPetrel({ domain: DOMAIN, users: [...users, 'hog', 'victim', 'target'] });
  });

  after(async () => {
    await petrel?.destroy();
  });

  test(`${CONNECTIONS} concurrent connections, each logged in, all answered`, async () => {
    const clients = await pool(Array.from({ length: CONNECTIONS }, (_, i) => i), 100, async (i) => {
      const client = await RawImap.connect(i % 2 ? petrel.imap : petrel.imaps, { tls: i % 2 === 0, timeoutMs: 120_000 });
      const login = await client.command(`LOGIN crowd${i % USERS}@${DOMAIN} ${PASSWORD}`, { timeoutMs: 300_000 });
      assert.ok(isOk(login), `connection ${i}: ${login.all}`);
      return client;
    });
    try {
      assert.equal(clients.length, CONNECTIONS);
      // Everyone at once, while everyone is still connected.
      const selects = await Promise.all(clients.map((c) => c.command('SELECT INBOX', { timeoutMs: 300_000 })));
      const failed = selects.filter((r) => !/^\S+ OK/.test(r.tagged.text));
      assert.deepEqual(failed.map((r) => r.all), [], 'every SELECT answered OK');
      const noops = await Promise.all(clients.map((c) => c.command('NOOP', { timeoutMs: 300_000 })));
      assert.equal(noops.filter((r) => /^\S+ OK/.test(r.tagged.text)).length, CONNECTIONS);
      // A change seen by all the sessions of one user.
      const appended = await clients[0].command(`APPEND INBOX {${simpleMessage({ subject: 'to the crowd' }).length}+}\r\n${simpleMessage({ subject: 'to the crowd' }).toString('latin1')}`);
      assert.ok(isOk(appended), appended.all);
      assert.match(appended.all, /^\* 1 EXISTS\r$/m, `the appending session hears its own APPEND: ${appended.all}`);
      const sameUser = clients.filter((_, i) => i % USERS === 0 && i > 0);
      const seen = await Promise.all(sameUser.map((c) => c.command('NOOP', { timeoutMs: 300_000 })));
      for (const r of seen) assert.match(r.all, /^\* 1 EXISTS\r$/m, `every session of crowd0 hears the APPEND: ${r.all}`);
      const logouts = await Promise.all(clients.map((c) => c.command('LOGOUT', { timeoutMs: 300_000 })));
      assert.equal(logouts.filter((r) => /^\* BYE/m.test(r.all) && /^\S+ OK/.test(r.tagged.text)).length, CONNECTIONS);
    } finally {
      for (const c of clients) c.close();
    }
    assert.equal(petrel.server.process.exitCode, null, 'the server is still running');
  });

  test('a client that asks for a huge FETCH and never reads stops no one, and memory stays bounded', async () => {
    // 40 messages of 1 MiB (random base64, so no compression anywhere helps).
    const loader = await RawImap.connect(petrel.imap);
    await loader.login(`hog@${DOMAIN}`, PASSWORD);
    for (let i = 0; i < 40; i++) {
      const body = randomBytes(768 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
      const message = Buffer.from(`From: <hog@remote.test>\r\nSubject: big ${i}\r\n\r\n${body}\r\n`, 'latin1');
      const appended = await loader.command(Buffer.concat([Buffer.from(`APPEND INBOX {${message.length}+}\r\n`), message]), { timeoutMs: 120_000 });
      assert.ok(isOk(appended), appended.all);
    }
    loader.close();

    const pid = petrel.server.process.pid!;
    const hog = await RawImap.connect(petrel.imap);
    await hog.login(`hog@${DOMAIN}`, PASSWORD);
    assert.ok(isOk(await hog.command('SELECT INBOX')));
    const baseline = rssKiB(pid);
    // Ten times the mailbox (about 400 MiB of responses), and then never read a byte.
    hog.socket.pause();
    for (let i = 0; i < 10; i++) hog.send(`h${i} FETCH 1:* (BODY.PEEK[])\r\n`);

    // Another session of the same user on the same mailbox, and another user, carry on.
    const same = await RawImap.connect(petrel.imaps, { tls: true });
    await same.login(`hog@${DOMAIN}`, PASSWORD);
    assert.ok(isOk(await same.command('SELECT INBOX')));
    const fetched = await same.command('FETCH 40 (BODY.PEEK[])', { timeoutMs: 120_000 });
    assert.ok(isOk(fetched), fetched.all.slice(0, 300));
    assert.ok(fetched.untagged.some((r) => (r.literals[0]?.length ?? 0) > 1024 * 1024), 'the other session gets its 1 MiB message');
    assert.ok(isOk(await same.command('STORE 1 +FLAGS (\\Flagged)')));
    const other = await RawImap.connect(petrel.imap);
    await other.login(`victim@${DOMAIN}`, PASSWORD);
    assert.ok(isOk(await other.command('SELECT INBOX')));
    assert.ok(isOk(await other.command('NOOP')));

    // Memory: sample for a while; a server that buffers the whole answer would grow by ~400 MiB.
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      peak = Math.max(peak, rssKiB(pid));
      await delay(300);
    }
    const grewMiB = (peak - baseline) / 1024;
    assert.ok(grewMiB < 200, `server RSS grew by ${grewMiB.toFixed(0)} MiB while a client was not reading (baseline ${(baseline / 1024).toFixed(0)} MiB)`);
    hog.close();
    assert.ok(isOk(await same.command('NOOP')), 'the same-user session still works after the hog is gone');
    same.close();
    other.close();
    assert.equal(petrel.server.process.exitCode, null, 'the server is still running');
  });

  test('garbage of every kind never crashes the server nor disturbs another session', async () => {
    const bystander = await RawImap.connect(petrel.imap);
    await bystander.login(`target@${DOMAIN}`, PASSWORD);
    assert.ok(isOk(await bystander.command('SELECT INBOX')));
    const login = Buffer.from(`g LOGIN target@${DOMAIN} ${PASSWORD}\r\n`);
    const cases: { name: string; chunks: Buffer[]; tls?: boolean; port?: 'imaps' }[] = [
      { name: 'random bytes', chunks: [randomBytes(64 * 1024)] },
      { name: 'random bytes with line ends', chunks: Array.from({ length: 20 }, () => Buffer.concat([randomBytes(200), Buffer.from('\r\n')])) },
      { name: 'NULs', chunks: [Buffer.alloc(10_000), Buffer.from('\r\n')] },
      { name: 'a huge literal announced', chunks: [Buffer.from('a APPEND INBOX {99999999999999999999}\r\n')] },
      { name: 'a literal cut short', chunks: [Buffer.from('a LOGIN {50}\r\nabc')] },
      { name: 'a TLS ClientHello on the plain port', chunks: [Buffer.from('16030100a5010000a10303', 'hex'), randomBytes(160)] },
      { name: 'plain text on the TLS port', chunks: [Buffer.from('a LOGIN x y\r\n')], port: 'imaps' },
      { name: 'random bytes inside TLS', chunks: [randomBytes(32 * 1024)], tls: true, port: 'imaps' },
      { name: 'deeply nested SEARCH', chunks: [login, Buffer.from('s SELECT INBOX\r\n'), Buffer.from(`s2 SEARCH ${'('.repeat(30_000)}ALL${')'.repeat(30_000)}\r\n`)] },
      { name: 'deep NOT chain', chunks: [login, Buffer.from('s SELECT INBOX\r\n'), Buffer.from(`s3 SEARCH ${'NOT '.repeat(15_000)}ALL\r\n`)] },
      { name: 'numbers out of range', chunks: [login, Buffer.from('s SELECT INBOX\r\nf FETCH 1:4294967296 FLAGS\r\nf2 UID FETCH 99999999999999999999 FLAGS\r\nf3 FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20]<4294967295.4294967295>\r\n')] },
      { name: 'invalid UTF-8 everywhere', chunks: [login, Buffer.from('e ENABLE UTF8=ACCEPT\r\n'), Buffer.from([0x63, 0x20, 0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x0d, 0x0a]), Buffer.from('t SEARCH CHARSET UTF-8 TEXT {4}\r\n\xff\xfe\xfd\xfc\r\n', 'latin1')] },
      { name: 'bad modified UTF-7 names', chunks: [login, Buffer.from('c CREATE "&Jjo!"\r\nc2 SELECT "&AGEAYgBj"\r\nc3 RENAME "&-" "&ZeVnLIqe-"\r\n')] },
      { name: 'AUTHENTICATE then garbage', chunks: [Buffer.from('a AUTHENTICATE PLAIN\r\n'), Buffer.from('!!!not base64!!!\r\n'), randomBytes(500)] },
      { name: 'IDLE then garbage', chunks: [login, Buffer.from('s SELECT INBOX\r\ni IDLE\r\n'), randomBytes(5000), Buffer.from('\r\nDONE\r\n')] },
      { name: 'COMPRESS then bytes that are not deflate', chunks: [login, Buffer.from('z COMPRESS DEFLATE\r\n'), randomBytes(4000)] },
      { name: 'STARTTLS then garbage instead of a handshake', chunks: [Buffer.from('t STARTTLS\r\n'), randomBytes(3000)] },
      { name: 'a thousand commands in one packet', chunks: [Buffer.from(Array.from({ length: 1000 }, (_, i) => `n${i} NOOP\r\n`).join(''))] },
      { name: 'a thousand bad logins in one packet', chunks: [Buffer.from(Array.from({ length: 1000 }, (_, i) => `l${i} LOGIN nobody${i} x\r\n`).join(''))] },
    ];
    for (const c of cases) {
      await throwAt(c.port === 'imaps' ? petrel.imaps : petrel.imap, c.chunks, { tls: c.tls });
      assert.equal(petrel.server.process.exitCode, null, `the server is still running after: ${c.name}`);
    }
    // And a storm of them at once.
    await Promise.all(Array.from({ length: 50 }, (_, i) => throwAt(i % 2 ? petrel.imap : petrel.imaps, [randomBytes(1 + (i * 997) % 20_000)], { tls: i % 2 === 0 })));
    assert.equal(petrel.server.process.exitCode, null, 'the server is still running after the storm');

    const still = await bystander.command('NOOP');
    assert.ok(isOk(still), `the bystander session still works: ${still.all}`);
    const fetch = await bystander.command('UID FETCH 1:* (FLAGS)');
    assert.ok(isOk(fetch), fetch.all);
    bystander.close();
    const fresh = await RawImap.connect(petrel.imaps, { tls: true });
    // The bad logins above slow the next failure from this address, never a success.
    await fresh.login(`target@${DOMAIN}`, PASSWORD);
    assert.ok(isOk(await fresh.command('SELECT INBOX')), 'a fresh client is served');
    fresh.close();
  });
});
