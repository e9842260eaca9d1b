// POP3 on the plain port (STLS) and the implicit-TLS port against python's poplib: every command,
// the bytes SMTP accepted coming back unchanged, and QUIT as the only moment mail is deleted.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { assertStoredSuffix, findBySubject, listMail, showMail, smtplibSend } from '../helpers/smtp-peers.ts';
import { poplibRun, type PopResult, type PopStep } from './poplib-client.ts';

const DOMAIN = 'pop.test';
const PASSWORD = 'pop-secret pass';
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;

function message(to: string, subject: string, body: string): Buffer {
  return Buffer.from(
    `From: <sender@remote.test>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\n\r\n${body}`,
    'latin1',
  );
}

/** Extra `serve` flags: POP3 ports of our own, since startPetrel knows only the SMTP ones. */
async function popPorts(): Promise<{ pop3: number; pop3s: number; args: string[] }> {
  const pop3 = await freePort();
  const pop3s = await freePort();
  return { pop3, pop3s, args: ['--pop3-port', String(pop3), '--pop3s-port', String(pop3s)] };
}

function login(address: string, c = 'a'): PopStep[] {
  return [
    { c, op: 'user', args: [address] },
    { c, op: 'pass_', args: [PASSWORD] },
  ];
}

function okText(result: PopResult, what: string): string {
  assert.equal(result.error, undefined, `${what}: ${result.error}`);
  assert.equal(typeof result.ok, 'string', `${what}: ${JSON.stringify(result.ok)}`);
  return result.ok as string;
}

function errorText(result: PopResult, what: string): string {
  assert.equal(typeof result.error, 'string', `${what} should fail, got ${JSON.stringify(result.ok)}`);
  return result.error!;
}

describe('POP3 and POP3S', () => {
  let server: RunningPetrel;
  let ports: { pop3: number; pop3s: number };
  const plain = (c = 'a'): PopStep => ({ c, op: 'open', port: ports.pop3 });
  const sent: Record<string, Buffer> = {
    'pop dots': message(ALICE, 'pop dots', '.leading dot\r\n..two dots\r\n.\r\nmiddle\r\n. \r\nlast line\r\n'),
    'pop plain': message(ALICE, 'pop plain', 'Just text.\r\nSecond line.\r\nThird line.\r\n'),
  };

  function deliver(to: string, subject: string, body = 'Hello.\r\n'): Buffer {
    const data = sent[subject] ?? message(to, subject, body);
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [to] }, data);
    assert.equal(result.status, 'ok', result.raw);
    return data;
  }

  before(async () => {
    const pop = await popPorts();
    ports = pop;
    server = await startPetrel({ extraArgs: pop.args });
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    for (const user of [ALICE, BOB, CAROL]) petrelOk(['user', 'add', user, '--password', PASSWORD, ...server.args]);
    deliver(ALICE, 'pop dots');
    deliver(ALICE, 'pop plain');
    for (const subject of ['bob one', 'bob two', 'bob three']) deliver(BOB, subject);
    for (const subject of ['carol one', 'carol two']) deliver(CAROL, subject);
  });
  after(() => server?.destroy());

  test('the server lists both POP3 listeners at start', () => {
    assert.match(server.stdout, new RegExp(`pop3 +listening on 127\\.0\\.0\\.1:${ports.pop3}`));
    assert.match(server.stdout, new RegExp(`pop3s +listening on 127\\.0\\.0\\.1:${ports.pop3s}`));
  });

  test('greeting and CAPA on the plain port', () => {
    const [greeting, capa] = poplibRun([plain(), { op: 'capa' }, { op: 'quit' }]);
    assert.equal(okText(greeting, 'greeting'), '+OK Petrel POP3 ready');
    const capabilities = capa.ok as Record<string, string[]>;
    for (const name of ['TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'STLS', 'EXPIRE', 'IMPLEMENTATION']) assert.ok(name in capabilities, `CAPA lists ${name}: ${JSON.stringify(capabilities)}`);
    assert.deepEqual(capabilities.SASL, ['PLAIN']);
    assert.deepEqual(capabilities.EXPIRE, ['NEVER']);
  });

  test('USER/PASS, then STAT, LIST, UIDL, TOP and RETR give back the bytes SMTP accepted', () => {
    const results = poplibRun([plain(), ...login(ALICE), { op: 'stat' }, { op: 'list' }, { op: 'uidl' }, { op: 'retr', args: [1] }, { op: 'retr', args: [2] }, { op: 'top', args: [1, 2] }, { op: 'list', args: [2] }, { op: 'uidl', args: [2] }, { op: 'noop' }, { op: 'quit' }]);
    const [, user, pass, stat, list, uidl, retr1, retr2, top, list2, uidl2, noop, quit] = results;
    assert.equal(okText(user, 'USER'), '+OK');
    assert.match(okText(pass, 'PASS'), /^\+OK logged in, 2 messages/);
    const entries = listMail(server, ALICE);
    assert.deepEqual(stat.ok, [2, entries[0].size + entries[1].size]);
    const [listResponse, listLines] = list.ok as [string, string[]];
    assert.match(listResponse, /^\+OK 2 messages/);
    assert.deepEqual(listLines, [`1 ${entries[0].size}`, `2 ${entries[1].size}`]);
    const uidlLines = (uidl.ok as [string, string[]])[1];
    assert.equal(uidlLines.length, 2);
    assert.match(uidlLines[0], /^1 [\x21-\x7e]{1,70}$/);
    assert.notEqual(uidlLines[0].split(' ')[1], uidlLines[1].split(' ')[1]);

    const dots = findBySubject(server, ALICE, 'pop dots');
    const stored = showMail(server, ALICE, dots.uid);
    assertStoredSuffix(stored, sent['pop dots'], 'stored by SMTP');
    assert.ok(retr1.data!.equals(stored), `RETR 1 is the stored message byte for byte:\n${retr1.data!.toString('latin1')}`);
    assert.equal(retr1.octets, stored.length, 'poplib counts the octets after removing the stuffed dots');
    assert.match(okText(retr1, 'RETR'), new RegExp(`^\\+OK ${stored.length} octets`));
    assert.ok(retr2.data!.equals(showMail(server, ALICE, findBySubject(server, ALICE, 'pop plain').uid)));

    const [header, body] = [stored.subarray(0, stored.indexOf('\r\n\r\n') + 4), stored.subarray(stored.indexOf('\r\n\r\n') + 4)];
    assert.equal(top.data!.toString('latin1'), `${header.toString('latin1')}${body.toString('latin1').split('\r\n').slice(0, 2).join('\r\n')}\r\n`);
    assert.equal(okText(list2, 'LIST 2'), `+OK 2 ${entries[1].size}`);
    assert.equal(okText(uidl2, 'UIDL 2'), `+OK ${uidlLines[1]}`);
    assert.equal(okText(noop, 'NOOP'), '+OK');
    assert.match(okText(quit, 'QUIT'), /^\+OK/);

    const again = poplibRun([plain(), ...login(ALICE), { op: 'uidl' }, { op: 'quit' }]);
    assert.deepEqual((again[3].ok as [string, string[]])[1], uidlLines, 'UIDL is stable across sessions');
  });

  test('AUTH PLAIN with an initial response and by continuation; * cancels', () => {
    const plainResponse = Buffer.from(`\0${ALICE}\0${PASSWORD}`).toString('base64');
    const [, initial, stat] = poplibRun([plain(), { op: 'line', args: [`AUTH PLAIN ${plainResponse}`] }, { op: 'stat' }, { op: 'quit' }]);
    assert.match(okText(initial, 'AUTH PLAIN'), /^\+OK logged in/);
    assert.equal((stat.ok as number[])[0], 2);
    const [, challenge, cancel, challenge2, response] = poplibRun([
      plain(),
      { op: 'line', args: ['AUTH PLAIN'] },
      { op: 'line', args: ['*'] },
      { op: 'line', args: ['AUTH PLAIN'] },
      { op: 'line', args: [plainResponse] },
      { op: 'quit' },
    ]);
    assert.equal(okText(challenge, 'AUTH PLAIN'), '+ ');
    assert.match(errorText(cancel, 'AUTH *'), /^-ERR/);
    assert.equal(okText(challenge2, 'AUTH PLAIN'), '+ ');
    assert.match(okText(response, 'response'), /^\+OK logged in/);
  });

  test('STLS upgrades the plain port, after which STLS is gone from CAPA', () => {
    const [, stls, capa, , pass, retr] = poplibRun([plain(), { op: 'stls' }, { op: 'capa' }, ...login(ALICE), { op: 'retr', args: [1] }, { op: 'quit' }]);
    assert.match(okText(stls, 'STLS'), /^\+OK/);
    assert.equal(stls.tls, true);
    assert.ok(!('STLS' in (capa.ok as Record<string, string[]>)));
    assert.match(okText(pass, 'PASS'), /^\+OK/);
    assert.ok(retr.data!.equals(showMail(server, ALICE, findBySubject(server, ALICE, 'pop dots').uid)));
  });

  test('a command pipelined behind STLS in cleartext is dropped, not run inside TLS (RFC 2595 §4)', () => {
    const [, stls, pass] = poplibRun([plain(), { op: 'stls_pipelined', args: [`USER ${ALICE}`] }, { op: 'pass_', args: [PASSWORD] }, { op: 'quit' }]);
    assert.match(okText(stls, 'STLS'), /^\+OK Begin TLS/);
    assert.match(errorText(pass, 'PASS after injected USER'), /^-ERR send USER first/);
  });

  test('POP3S: TLS from the first byte', () => {
    const [open, capa, , pass, stat] = poplibRun([{ op: 'open', port: ports.pop3s, ssl: true }, { op: 'capa' }, ...login(ALICE), { op: 'stat' }, { op: 'quit' }]);
    assert.equal(okText(open, 'greeting'), '+OK Petrel POP3 ready');
    const capabilities = capa.ok as Record<string, string[]>;
    assert.ok('USER' in capabilities && !('STLS' in capabilities));
    assert.match(okText(pass, 'PASS'), /^\+OK/);
    assert.equal((stat.ok as number[])[0], 2);
  });

  test('pipelined commands are answered in order (RFC 2449 PIPELINING)', () => {
    const [, answers] = poplibRun([plain(), { op: 'pipeline', args: [`USER ${ALICE}\r\nPASS ${PASSWORD}\r\nSTAT\r\nLIST 1\r\nQUIT\r\n`, 5] }]);
    const lines = answers.ok as string[];
    assert.equal(lines[0], '+OK');
    assert.match(lines[1], /^\+OK logged in/);
    assert.match(lines[2], /^\+OK 2 \d+$/);
    assert.match(lines[3], /^\+OK 1 \d+$/);
    assert.match(lines[4], /^\+OK .*signing off/);
  });

  test('a wrong password is -ERR [AUTH]; the connection stays usable', () => {
    const [, , wrong, , right] = poplibRun([plain(), { op: 'user', args: [ALICE] }, { op: 'pass_', args: ['wrong'] }, ...login(ALICE), { op: 'quit' }]);
    assert.equal(errorText(wrong, 'wrong password'), '-ERR [AUTH] authentication failed');
    assert.match(okText(right, 'PASS'), /^\+OK/);
    const [, , unknown] = poplibRun([plain(), { op: 'user', args: ['nobody@pop.test'] }, { op: 'pass_', args: [PASSWORD] }, { op: 'quit' }]);
    assert.equal(errorText(unknown, 'unknown user'), '-ERR [AUTH] authentication failed');
  });

  test('DELE then RSET keeps the message; a dropped connection deletes nothing; DELE then QUIT removes it', () => {
    const [, , , dele, retrDeleted, rset, stat] = poplibRun([plain(), ...login(BOB), { op: 'dele', args: [1] }, { op: 'retr', args: [1] }, { op: 'rset' }, { op: 'stat' }, { op: 'quit' }]);
    assert.equal(okText(dele, 'DELE'), '+OK message 1 deleted');
    assert.equal(errorText(retrDeleted, 'RETR of a deleted message'), '-ERR message 1 already deleted');
    assert.match(okText(rset, 'RSET'), /^\+OK maildrop has 3 messages/);
    assert.equal((stat.ok as number[])[0], 3);
    assert.equal(listMail(server, BOB).length, 3);

    poplibRun([plain(), ...login(BOB), { op: 'dele', args: [1] }, { op: 'dele', args: [2] }, { op: 'drop' }]);
    assert.equal(listMail(server, BOB).length, 3, 'no QUIT, no UPDATE state');

    const [, , , , , afterDele, quit] = poplibRun([plain(), ...login(BOB), { op: 'dele', args: [1] }, { op: 'dele', args: [3] }, { op: 'stat' }, { op: 'quit' }]);
    assert.equal((afterDele.ok as number[])[0], 1);
    assert.match(okText(quit, 'QUIT'), /^\+OK/);
    assert.deepEqual(
      listMail(server, BOB).map((e) => e.subject),
      ['bob two'],
    );
    const [, , , stat2, retr] = poplibRun([plain(), ...login(BOB), { op: 'stat' }, { op: 'retr', args: [1] }, { op: 'quit' }]);
    assert.equal((stat2.ok as number[])[0], 1);
    assert.match(retr.data!.toString('latin1'), /Subject: bob two\r\n/);
  });

  test('a message expunged by another session after login: RETR is -ERR, the rest still works', () => {
    const results = poplibRun([
      plain('a'),
      ...login(CAROL, 'a'),
      plain('b'),
      ...login(CAROL, 'b'),
      { c: 'b', op: 'dele', args: [1] },
      { c: 'b', op: 'quit' },
      { c: 'a', op: 'retr', args: [1] },
      { c: 'a', op: 'top', args: [1, 0] },
      { c: 'a', op: 'retr', args: [2] },
      { c: 'a', op: 'dele', args: [1] },
      { c: 'a', op: 'quit' },
    ]);
    const [, , , , , , , quitB, retrGone, topGone, retr2, dele, quitA] = results;
    assert.match(okText(quitB, 'QUIT b'), /^\+OK/);
    assert.equal(errorText(retrGone, 'RETR of an expunged message'), '-ERR message 1 is no longer available');
    assert.equal(errorText(topGone, 'TOP of an expunged message'), '-ERR message 1 is no longer available');
    assert.match(retr2.data!.toString('latin1'), /Subject: carol two\r\n/);
    assert.match(okText(dele, 'DELE'), /^\+OK/);
    assert.match(okText(quitA, 'QUIT a'), /^\+OK/, 'expunging what is already gone is not a failure');
    assert.deepEqual(
      listMail(server, CAROL).map((e) => e.subject),
      ['carol two'],
    );
  });

  test('garbage, commands out of state, and an overlong line', () => {
    const results = poplibRun([
      plain(),
      { op: 'line', args: ['HELO there'] },
      { op: 'line', args: ['STAT'] },
      { op: 'line', args: ['RETR one'] },
      { op: 'line', args: ['\u0001\u0002'] },
      { op: 'line', args: ['X'.repeat(9000)] },
      { op: 'eof' },
    ]);
    assert.equal(errorText(results[1], 'unknown command'), '-ERR unknown command');
    assert.match(errorText(results[2], 'STAT before login'), /^-ERR STAT is only valid after login/);
    assert.match(errorText(results[3], 'RETR one'), /^-ERR/);
    assert.match(errorText(results[4], 'control characters'), /^-ERR/);
    assert.equal(errorText(results[5], 'overlong line'), '-ERR line too long');
    assert.equal(results[6].ok, '', 'the server closed the connection');
  });

  test('the administrator login has no mailbox: -ERR [SYS/PERM], not a crash', () => {
    const [, adminLogin, adminPassword] = /created the administrator login "([^"]+)" with password "([^"]+)"/.exec(server.stdout) ?? [];
    assert.ok(adminLogin, server.stdout);
    const [, , pass, quit] = poplibRun([plain(), { op: 'user', args: [adminLogin] }, { op: 'pass_', args: [adminPassword] }, { op: 'quit' }]);
    assert.equal(errorText(pass, 'admin login'), '-ERR [SYS/PERM] this account has no mailbox');
    assert.match(okText(quit, 'QUIT'), /^\+OK/);
  });
});

/** A local address that is not loopback, so the server sees a remote peer; none on some machines. */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe('POP3 from a non-loopback address', () => {
  const address = nonLoopbackAddress();
  let server: RunningPetrel;
  let ports: { pop3: number; pop3s: number };

  before(async () => {
    if (!address) return;
    const pop = await popPorts();
    ports = pop;
    server = await startPetrel({ extraArgs: [...pop.args, '--listen', address] });
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ALICE, '--password', PASSWORD, ...server.args]);
  });
  after(() => server?.destroy());

  test('cleartext login is refused until STLS', { skip: address ? false : 'no non-loopback IPv4 address on this machine' }, () => {
    const results = poplibRun([
      { op: 'open', port: ports.pop3, host: address },
      { op: 'capa' },
      { op: 'user', args: [ALICE] },
      { op: 'line', args: [`AUTH PLAIN ${Buffer.from(`\0${ALICE}\0${PASSWORD}`).toString('base64')}`] },
      { op: 'stls' },
      { op: 'capa' },
      { op: 'user', args: [ALICE] },
      { op: 'pass_', args: [PASSWORD] },
      { op: 'quit' },
    ]);
    const [, capa, user, auth, stls, capaTls, userTls, passTls] = results;
    const before = capa.ok as Record<string, string[]>;
    assert.ok('STLS' in before && !('USER' in before) && !('SASL' in before), JSON.stringify(before));
    assert.match(errorText(user, 'USER in cleartext'), /^-ERR \[AUTH\] plaintext authentication disallowed/);
    assert.match(errorText(auth, 'AUTH PLAIN in cleartext'), /^-ERR \[AUTH\]/);
    assert.equal(stls.tls, true);
    assert.ok('USER' in (capaTls.ok as Record<string, string[]>));
    assert.equal(okText(userTls, 'USER over TLS'), '+OK');
    assert.match(okText(passTls, 'PASS over TLS'), /^\+OK logged in, 0 messages/);
    const [, , pass] = poplibRun([{ op: 'open', port: ports.pop3s, ssl: true, host: address }, ...login(ALICE), { op: 'quit' }]);
    assert.match(okText(pass, 'PASS on POP3S'), /^\+OK/);
  });
});
