// The POP3 state machine over a fake connection and a fake mail core: the rules that need a
// remote address or a timing we cannot get from a real socket on this machine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Pop3Session, type Maildrop, type Pop3Backend, type Pop3Transport } from '../../src/pop3/session.ts';
import type { Principal } from '../../src/store/schema.ts';

const ALICE = { id: 7, login: 'alice@example.test' } as Principal;
const PASSWORD = 'right';

class FakeTransport implements Pop3Transport {
  output = '';
  closed = false;
  tlsStarted = 0;
  constructor(
    readonly remoteAddress: string,
    public secure = false,
  ) {}
  async write(data: string | Buffer): Promise<void> {
    this.output += data.toString();
  }
  async startTls(): Promise<void> {
    this.tlsStarted++;
    this.secure = true;
  }
  close(): void {
    this.closed = true;
  }
  /** Everything written since the last call. */
  take(): string {
    const out = this.output;
    this.output = '';
    return out;
  }
}

class FakeBackend implements Pop3Backend {
  messages = new Map<number, Buffer>([
    [3, Buffer.from('Subject: one\r\n\r\nfirst\r\n')],
    [5, Buffer.from('Subject: two\r\n\r\n.dot\r\n')],
  ]);
  expunged: number[][] = [];
  async authenticate(login: string, password: string): Promise<Principal | null> {
    return login === ALICE.login && password === PASSWORD ? ALICE : null;
  }
  async openMaildrop(): Promise<Maildrop> {
    return { mailboxId: 1, uidValidity: 99, messages: [...this.messages].map(([uid, raw]) => ({ uid, size: raw.length })) };
  }
  async readMessage(_accountId: number, uid: number): Promise<Buffer | null> {
    return this.messages.get(uid) ?? null;
  }
  async expunge(_accountId: number, _mailboxId: number, uids: number[]): Promise<number[]> {
    this.expunged.push(uids);
    for (const uid of uids) this.messages.delete(uid);
    return uids;
  }
}

function setUp(remoteAddress: string, options: { secure?: boolean; allowInsecureAuth?: boolean; stlsAvailable?: boolean } = {}) {
  const transport = new FakeTransport(remoteAddress, options.secure ?? false);
  const backend = new FakeBackend();
  const session = new Pop3Session(transport, backend, {
    stlsAvailable: options.stlsAvailable ?? true,
    allowInsecureAuth: options.allowInsecureAuth ?? false,
    failureDelayMs: 0,
    log: () => {},
  });
  const send = async (line: string) => {
    await session.handleLine(line);
    return transport.take();
  };
  return { transport, backend, session, send };
}

const plainResponse = (authzid: string, login: string, password: string) => Buffer.from(`${authzid}\0${login}\0${password}`).toString('base64');

describe('POP3 session', () => {
  test('greets without an APOP timestamp', async () => {
    const { transport, session } = setUp('127.0.0.1');
    await session.greeting();
    assert.equal(transport.take(), '+OK Petrel POP3 ready\r\n');
  });

  test('a cleartext connection from another host may not log in until STLS', async () => {
    const { transport, send } = setUp('192.0.2.10');
    const capa = await send('CAPA');
    assert.match(capa, /\r\nSTLS\r\n/);
    assert.doesNotMatch(capa, /\r\nUSER\r\n|SASL/);
    assert.match(await send('USER alice@example.test'), /^-ERR \[AUTH\] plaintext authentication disallowed/);
    assert.match(await send(`AUTH PLAIN ${plainResponse('', ALICE.login!, PASSWORD)}`), /^-ERR \[AUTH\]/);
    assert.equal(await send('STLS'), '+OK Begin TLS negotiation\r\n');
    assert.equal(transport.tlsStarted, 1);
    const after = await send('CAPA');
    assert.match(after, /\r\nUSER\r\n/);
    assert.doesNotMatch(after, /STLS/);
    assert.match(await send('STLS'), /^-ERR/);
    assert.equal(await send('USER alice@example.test'), '+OK\r\n');
    assert.match(await send(`PASS ${PASSWORD}`), /^\+OK logged in, 2 messages/);
  });

  test('the admin may allow cleartext logins from other hosts', async () => {
    const { send } = setUp('192.0.2.10', { allowInsecureAuth: true });
    await send('USER alice@example.test');
    assert.match(await send(`PASS ${PASSWORD}`), /^\+OK/);
  });

  test('loopback and implicit TLS connections log in without STLS', async () => {
    assert.match(await setUp('::ffff:127.0.0.1').send(`AUTH PLAIN ${plainResponse('', ALICE.login!, PASSWORD)}`), /^\+OK/);
    const implicit = setUp('192.0.2.10', { secure: true, stlsAvailable: false });
    assert.doesNotMatch(await implicit.send('CAPA'), /STLS/);
    assert.match(await implicit.send(`AUTH PLAIN ${plainResponse('', ALICE.login!, PASSWORD)}`), /^\+OK/);
  });

  test('the third failed login closes the connection', async () => {
    const { transport, send } = setUp('127.0.0.1');
    await send('USER alice@example.test');
    assert.equal(await send('PASS wrong'), '-ERR [AUTH] authentication failed\r\n');
    assert.equal(await send(`AUTH PLAIN ${plainResponse('', ALICE.login!, 'wrong')}`), '-ERR [AUTH] authentication failed\r\n');
    assert.equal(transport.closed, false);
    await send('USER alice@example.test');
    assert.match(await send('PASS wrong'), /^-ERR \[AUTH\] .*too many/);
    assert.equal(transport.closed, true);
  });

  test('AUTH PLAIN by continuation, cancelled with *, and for someone else', async () => {
    const { send } = setUp('127.0.0.1');
    assert.equal(await send('AUTH'), '+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n');
    assert.match(await send('AUTH CRAM-MD5'), /^-ERR/);
    assert.equal(await send('AUTH PLAIN'), '+ \r\n');
    assert.equal(await send('*'), '-ERR authentication cancelled\r\n');
    await send('AUTH PLAIN');
    assert.match(await send(plainResponse('bob@example.test', ALICE.login!, PASSWORD)), /^-ERR \[AUTH\]/);
    await send('AUTH PLAIN');
    assert.match(await send(plainResponse(ALICE.login!, ALICE.login!, PASSWORD)), /^\+OK logged in/);
  });

  test('commands outside their state are refused; transaction commands after login', async () => {
    const { send } = setUp('127.0.0.1');
    assert.match(await send('STAT'), /^-ERR STAT is only valid after login/);
    assert.match(await send('PASS x'), /^-ERR send USER first/);
    await send('USER alice@example.test');
    await send(`PASS ${PASSWORD}`);
    assert.match(await send('USER alice@example.test'), /^-ERR already logged in/);
    assert.equal(await send('NOOP'), '+OK\r\n');
    assert.equal(await send('STAT'), `+OK 2 ${23 + 22}\r\n`);
    assert.equal(await send('UIDL 2'), '+OK 2 0000000500000063\r\n');
    assert.equal(await send('LIST 3'), '-ERR no such message\r\n');
  });

  test('DELE, RSET and QUIT: only QUIT expunges, and only what is still marked', async () => {
    const { backend, transport, send } = setUp('127.0.0.1');
    await send('USER alice@example.test');
    await send(`PASS ${PASSWORD}`);
    assert.equal(await send('DELE 1'), '+OK message 1 deleted\r\n');
    assert.equal(await send('RETR 1'), '-ERR message 1 already deleted\r\n');
    assert.equal(await send('LIST'), '+OK 1 messages (22 octets)\r\n2 22\r\n.\r\n');
    assert.equal(await send('RSET'), '+OK maildrop has 2 messages (45 octets)\r\n');
    await send('DELE 2');
    assert.equal(await send('QUIT'), '+OK Petrel POP3 server signing off\r\n');
    assert.deepEqual(backend.expunged, [[5]]);
    assert.equal(transport.closed, true);
  });

  test('a dropped connection expunges nothing', async () => {
    const { backend, session, send } = setUp('127.0.0.1');
    await send('USER alice@example.test');
    await send(`PASS ${PASSWORD}`);
    await send('DELE 1');
    session.close();
    assert.deepEqual(backend.expunged, []);
  });

  test('a message expunged elsewhere after login is an -ERR, not a crash', async () => {
    const { backend, send } = setUp('127.0.0.1');
    await send('USER alice@example.test');
    await send(`PASS ${PASSWORD}`);
    backend.messages.delete(3);
    assert.equal(await send('RETR 1'), '-ERR message 1 is no longer available\r\n');
    assert.equal(await send('TOP 1 0'), '-ERR message 1 is no longer available\r\n');
    assert.equal(await send('RETR 2'), '+OK 22 octets\r\nSubject: two\r\n\r\n..dot\r\n.\r\n');
    assert.equal(await send('QUIT'), '+OK Petrel POP3 server signing off\r\n');
  });

  test('a peer that keeps sending garbage is disconnected', async () => {
    const { transport, send } = setUp('127.0.0.1');
    for (let i = 0; i < 9; i++) assert.match(await send('GARBAGE'), /^-ERR unknown command/);
    assert.equal(transport.closed, false);
    assert.match(await send('GARBAGE'), /^-ERR too many bad commands/);
    assert.equal(transport.closed, true);
  });

  test('an internal error is a [SYS/TEMP] -ERR, logged', async () => {
    const { backend, send } = setUp('127.0.0.1');
    backend.authenticate = async () => {
      throw new Error('database is gone');
    };
    await send('USER alice@example.test');
    assert.equal(await send('PASS x'), '-ERR [SYS/TEMP] internal error, please try again later\r\n');
  });
});
