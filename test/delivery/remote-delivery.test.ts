import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { generate } from 'selfsigned';

import { createResolver } from '../../src/delivery/dns-resolver.ts';
import { deliverToRemote } from '../../src/delivery/remote-delivery.ts';
import type { RecipientResult, RemoteDeliveryOptions } from '../../src/delivery/remote-delivery.ts';
import { closedPort, startTestServer } from './smtp-test-server.ts';
import type { TestServer, TestServerOptions } from './smtp-test-server.ts';

const message = Buffer.from('From: alice@example.org\r\nTo: bob@remote.test\r\nSubject: hi\r\n\r\nHello there.\r\n');

let cert: { key: string; cert: string };
before(async () => {
  const pems = await generate([{ name: 'commonName', value: 'mx.remote.test' }], { keySize: 2048, algorithm: 'sha256' });
  cert = { key: pems.private, cert: pems.cert };
});

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(opts: TestServerOptions = {}): Promise<TestServer> {
  // smtp-server hides DSN and enhanced status codes and announces no SIZE unless asked to.
  const s = await startTestServer({ key: cert.key, cert: cert.cert, hideDSN: false, hideENHANCEDSTATUSCODES: false, size: 1_000_000, ...opts });
  servers.push(s);
  return s;
}

function deliver(ports: number[], opts: Partial<RemoteDeliveryOptions> = {}) {
  return deliverToRemote({
    hosts: ports.map((port) => ({ host: '127.0.0.1', port })),
    heloName: 'petrel.test',
    sender: 'alice@example.org',
    recipients: ['bob@remote.test'],
    message,
    timeoutMs: 5_000,
    ...opts,
  });
}

function byRecipient(results: RecipientResult[]): Record<string, RecipientResult> {
  return Object.fromEntries(results.map((r) => [r.recipient, r]));
}

describe('deliverToRemote', () => {
  it('delivers to every recipient over opportunistic STARTTLS with a self-signed certificate', async () => {
    const s = await server();
    const { recipients } = await deliver([s.port], { recipients: ['bob@remote.test', 'carol@remote.test'] });
    assert.deepEqual(recipients.map((r) => [r.recipient, r.status, r.code, r.host]), [
      ['bob@remote.test', 'sent', 250, '127.0.0.1'],
      ['carol@remote.test', 'sent', 250, '127.0.0.1'],
    ]);
    assert.equal(s.received.length, 1);
    const [got] = s.received;
    assert.equal(got.secure, true);
    assert.equal(got.mailFrom.address, 'alice@example.org');
    assert.deepEqual(got.rcptTo.map((r) => r.address), ['bob@remote.test', 'carol@remote.test']);
    assert.equal(got.data.toString(), message.toString());
    // RFC 1870: the size is declared when the server announces SIZE.
    assert.deepEqual(got.mailFrom.args, { SIZE: String(message.length) });
  });

  it('sends the null sender as MAIL FROM:<> and declares 8BITMIME for 8-bit content', async () => {
    const s = await server();
    const eightBit = Buffer.from('Subject: caf\xe9\r\n\r\nd\xe9j\xe0 vu\r\n', 'latin1');
    const { recipients } = await deliver([s.port], { sender: '', message: eightBit });
    assert.equal(recipients[0].status, 'sent');
    assert.equal(s.received[0].mailFrom.address, '');
    assert.equal((s.received[0].mailFrom.args || {}).BODY, '8BITMIME');
    assert.deepEqual(s.received[0].data, eightBit);
  });

  it('passes DSN parameters per recipient, one transaction per distinct NOTIFY/ORCPT, streaming the message each time', async () => {
    const s = await server();
    let opened = 0;
    const { recipients } = await deliver([s.port], {
      recipients: ['a@remote.test', 'b@remote.test', 'c@remote.test'],
      message: () => {
        opened++;
        return Readable.from([message]);
      },
      size: message.length,
      dsn: {
        ret: 'HDRS',
        envid: 'ENV+1',
        notify: { 'a@remote.test': 'SUCCESS,FAILURE', 'b@remote.test': 'NEVER', 'c@remote.test': 'SUCCESS,FAILURE' },
        orcpt: { 'a@remote.test': 'rfc822;orig@example.org', 'c@remote.test': 'rfc822;orig@example.org' },
      },
    });
    assert.deepEqual(recipients.map((r) => r.status), ['sent', 'sent', 'sent']);
    assert.equal(recipients[0].relayedWithoutDsn, undefined);
    assert.equal(opened, 2);
    assert.equal(s.received.length, 2);
    const [first, second] = s.received;
    assert.equal((first.mailFrom.args || {}).RET, 'HDRS');
    assert.equal((first.mailFrom.args || {}).ENVID, 'ENV+1');
    assert.deepEqual(first.rcptTo.map((r) => [r.address, r.dsn?.notify, r.dsn?.orcpt]), [
      ['a@remote.test', ['SUCCESS', 'FAILURE'], 'rfc822;orig@example.org'],
      ['c@remote.test', ['SUCCESS', 'FAILURE'], 'rfc822;orig@example.org'],
    ]);
    assert.deepEqual(second.rcptTo.map((r) => [r.address, r.dsn?.notify]), [['b@remote.test', ['NEVER']]]);
    assert.equal(first.data.toString(), message.toString());
    assert.equal(second.data.toString(), message.toString());
  });

  it('flags recipients that asked for SUCCESS notices when the peer has no DSN (RFC 3461 §5.2.2)', async () => {
    const s = await server({ hideDSN: true });
    const { recipients } = await deliver([s.port], {
      recipients: ['a@remote.test', 'b@remote.test'],
      dsn: { notify: { 'a@remote.test': 'SUCCESS', 'b@remote.test': 'FAILURE' } },
    });
    assert.equal(recipients[0].relayedWithoutDsn, true);
    assert.equal(recipients[1].relayedWithoutDsn, undefined);
    assert.equal(s.received[0].rcptTo[0].dsn?.notify, undefined);
  });

  it('classifies RCPT replies per recipient: 4xx temporary, 5xx permanent', async () => {
    const s = await server({
      rcpt: (a) =>
        a.startsWith('grey') ? { code: 450, message: 'Greylisted, try later' } : a.startsWith('nobody') ? { code: 550, message: 'No such user' } : undefined,
    });
    const r = byRecipient((await deliver([s.port], { recipients: ['bob@remote.test', 'grey@remote.test', 'nobody@remote.test'] })).recipients);
    assert.equal(r['bob@remote.test'].status, 'sent');
    assert.equal(r['grey@remote.test'].status, 'temporary');
    assert.equal(r['grey@remote.test'].code, 450);
    assert.match(r['grey@remote.test'].message, /^450 .*Greylisted/);
    assert.equal(r['nobody@remote.test'].status, 'permanent');
    assert.equal(r['nobody@remote.test'].code, 550);
    assert.match(r['nobody@remote.test'].enhanced ?? '', /^5\./);
    assert.deepEqual(s.received[0].rcptTo.map((x) => x.address), ['bob@remote.test']);
  });

  it('reports every recipient when all are refused at RCPT, with X.0.0 when the server gives no enhanced code', async () => {
    const s = await server({ hideENHANCEDSTATUSCODES: true, rcpt: () => ({ code: 550, message: 'No such user' }) });
    const { recipients } = await deliver([s.port], { recipients: ['x@remote.test', 'y@remote.test'] });
    assert.deepEqual(recipients.map((r) => [r.status, r.code, r.enhanced]), [['permanent', 550, '5.0.0'], ['permanent', 550, '5.0.0']]);
  });

  it('applies the end-of-data reply to the message: 5xx permanent, 4xx temporary without trying another host', async () => {
    const spam = await server({ data: () => ({ code: 554, message: 'Looks like spam' }) });
    const rejected = await deliver([spam.port]);
    assert.equal(rejected.recipients[0].status, 'permanent');
    assert.equal(rejected.recipients[0].code, 554);
    assert.match(rejected.recipients[0].message, /Looks like spam/);

    const busy = await server({ data: () => ({ code: 451, message: 'Try again' }) });
    const spare = await server();
    const deferred = await deliver([busy.port, spare.port]);
    assert.equal(deferred.recipients[0].status, 'temporary');
    assert.equal(deferred.recipients[0].code, 451);
    assert.equal(spare.connections(), 0);
  });

  it('refuses permanently on 5xx to MAIL FROM, and moves to the next host on 4xx or 421', async () => {
    const refusing = await server({ mail: () => ({ code: 553, message: 'Sender not allowed' }) });
    const refused = await deliver([refusing.port]);
    assert.equal(refused.recipients[0].status, 'permanent');
    assert.equal(refused.recipients[0].code, 553);

    const closing = await server({ mail: () => ({ code: 421, message: 'Shutting down' }) });
    const busy = await server({ mail: () => ({ code: 451, message: 'Busy' }) });
    const good = await server();
    const moved = await deliver([closing.port, busy.port, good.port]);
    assert.equal(moved.recipients[0].status, 'sent');
    assert.equal(good.received.length, 1);
  });

  it('tries the next host when the first refuses the connection or greets with 4xx', async () => {
    const busy = await server({ connect: () => ({ code: 421, message: 'Too many connections' }) });
    const good = await server();
    const resolver = createResolver({
      system: false,
      overrides: { 'mx1.remote.test': { A: ['127.0.0.1'] }, 'mx2.remote.test': { A: ['127.0.0.1'] }, 'mx3.remote.test': { A: ['127.0.0.1'] } },
    });
    const { recipients } = await deliverToRemote({
      hosts: [
        { host: 'mx1.remote.test', port: await closedPort() },
        { host: 'mx2.remote.test', port: busy.port },
        { host: 'mx3.remote.test', port: good.port },
      ],
      heloName: 'petrel.test',
      sender: 'alice@example.org',
      recipients: ['bob@remote.test'],
      message,
      timeoutMs: 5_000,
      resolver,
    });
    assert.equal(recipients[0].status, 'sent');
    assert.equal(recipients[0].host, 'mx3.remote.test');
    assert.equal(busy.connections(), 1);
    assert.equal(good.received.length, 1);
  });

  it('leaves recipients temporary when no host can be reached, and permanent after a 554 greeting', async () => {
    const unreachable = await deliver([await closedPort(), await closedPort()]);
    assert.equal(unreachable.recipients[0].status, 'temporary');
    assert.equal(unreachable.recipients[0].enhanced, '4.4.1');
    assert.match(unreachable.recipients[0].message, /ECONNREFUSED/);

    const noService = await server({ connect: () => ({ code: 554, message: 'No SMTP service here' }) });
    const refused = await deliver([noService.port]);
    assert.equal(refused.recipients[0].status, 'permanent');
    assert.equal(refused.recipients[0].code, 554);

    const unnamed = await deliverToRemote({
      hosts: [{ host: 'nowhere.remote.test', port: 25 }],
      heloName: 'petrel.test',
      sender: 'alice@example.org',
      recipients: ['bob@remote.test'],
      message,
      resolver: createResolver({ system: false }),
    });
    assert.equal(unnamed.recipients[0].status, 'temporary');
    assert.match(unnamed.recipients[0].message, /no address records for nowhere\.remote\.test/);
  });

  it('with requireTls, defers when the peer has no STARTTLS or an unverifiable certificate', async () => {
    const plain = await server({ disabledCommands: ['STARTTLS'] });
    const noTls = await deliver([plain.port], { requireTls: true });
    assert.equal(noTls.recipients[0].status, 'temporary');
    assert.equal(noTls.recipients[0].enhanced, '4.7.4');
    assert.equal(plain.received.length, 0);

    const selfSigned = await server();
    const unverified = await deliver([selfSigned.port], { requireTls: true, tls: { rejectUnauthorized: true } });
    assert.equal(unverified.recipients[0].status, 'temporary');
    assert.equal(unverified.recipients[0].enhanced, '4.7.5');
    assert.equal(selfSigned.received.length, 0);
  });

  it('without requireTls, falls back to cleartext when the TLS handshake fails (RFC 7435)', async () => {
    const s = await server();
    const { recipients } = await deliver([s.port], { tls: { rejectUnauthorized: true } });
    assert.equal(recipients[0].status, 'sent');
    assert.equal(s.connections(), 2);
    assert.equal(s.received[0].secure, false);
  });

  it('authenticates to a smarthost over TLS only', async () => {
    const smarthost = await server({
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === 'relay' && auth.password === 'secret') callback(null, { user: 'relay' });
        else callback(new Error('Invalid credentials'));
      },
    });
    const ok = await deliver([smarthost.port], { auth: { user: 'relay', pass: 'secret' } });
    assert.equal(ok.recipients[0].status, 'sent');
    assert.equal(smarthost.received[0].user, 'relay');

    const wrong = await deliver([smarthost.port], { auth: { user: 'relay', pass: 'wrong' } });
    assert.equal(wrong.recipients[0].status, 'temporary');
    assert.equal(wrong.recipients[0].code, 535);

    const plain = await server({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true, onAuth: (_a, _s, cb) => cb(null, { user: 'x' }) });
    const refused = await deliver([plain.port], { auth: { user: 'relay', pass: 'secret' } });
    assert.equal(refused.recipients[0].status, 'temporary');
    assert.equal(refused.recipients[0].enhanced, '4.7.10');
    assert.equal(plain.received.length, 0);
  });

  it('bounces a message larger than the size the peer announces (RFC 1870)', async () => {
    const s = await server({ size: 20 });
    const { recipients } = await deliver([s.port]);
    assert.equal(recipients[0].status, 'permanent');
    assert.equal(recipients[0].enhanced, '5.3.4');
    assert.equal(s.received.length, 0);
  });

  it('uses SMTPUTF8 for non-ASCII addresses, and bounces them when the peer lacks it (RFC 6531)', async () => {
    const modern = await server();
    const sent = await deliver([modern.port], { recipients: ['zoë@remote.test'] });
    assert.equal(sent.recipients[0].status, 'sent');
    assert.equal((modern.received[0].mailFrom.args || {}).SMTPUTF8, true);

    const legacy = await server({ hideSMTPUTF8: true });
    const r = byRecipient((await deliver([legacy.port], { recipients: ['zoë@remote.test', 'bob@remote.test'] })).recipients);
    assert.equal(r['zoë@remote.test'].status, 'permanent');
    assert.equal(r['zoë@remote.test'].enhanced, '5.6.7');
    assert.equal(r['bob@remote.test'].status, 'sent');
    assert.deepEqual(legacy.received[0].rcptTo.map((x) => x.address), ['bob@remote.test']);
  });

  it('refuses addresses that cannot be written on the wire without connecting', async () => {
    const s = await server();
    const { recipients } = await deliver([s.port], { recipients: ['bad<@remote.test', 'bob@remote.test'] });
    assert.deepEqual(recipients.map((r) => [r.status, r.enhanced]), [['permanent', '5.1.3'], ['sent', '2.6.0']]);
  });
});
