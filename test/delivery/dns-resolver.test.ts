import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { spf } from 'mailauth';

import { createResolver, findMailHosts, MailHostError } from '../../src/delivery/dns-resolver.ts';
import { startFakeDns } from './fake-dns.ts';

const overrides = {
  'example.org': { MX: ['20 mx2.example.org.', '10 MX1.example.org'], TXT: ['v=spf1 mx -all'] },
  'mx1.example.org': { A: ['192.0.2.1'] },
  'mx2.example.org': { A: ['192.0.2.2'], AAAA: ['2001:db8::2'] },
  'equal.example': { MX: ['10 a.equal.example', '10 b.equal.example', '10 c.equal.example', '5 first.equal.example'] },
  'nomail.example': { MX: ['0 .'], A: ['192.0.2.9'] },
  'implicit.example': { A: ['192.0.2.7'] },
  'empty.example': { TXT: ['nothing to see'] },
};

function rejectsWithCode(promise: Promise<unknown>, code: string) {
  return assert.rejects(promise, (err: unknown) => (err as { code?: string }).code === code);
}

describe('createResolver with overrides only', () => {
  const resolver = createResolver({ overrides, system: false });

  it('answers MX, A, AAAA and TXT from the overrides, case-insensitively and without trailing dots', async () => {
    assert.deepEqual(await resolver.resolveMx('Example.ORG.'), [
      { priority: 20, exchange: 'mx2.example.org' },
      { priority: 10, exchange: 'mx1.example.org' },
    ]);
    assert.deepEqual(await resolver.resolve4('mx2.example.org'), ['192.0.2.2']);
    assert.deepEqual(await resolver.resolve6('mx2.example.org'), ['2001:db8::2']);
    assert.deepEqual(await resolver.resolveTxt('example.org'), [['v=spf1 mx -all']]);
  });

  it('throws ENODATA for a known name without that type and ENOTFOUND for unknown names', async () => {
    await rejectsWithCode(resolver.resolve4('example.org'), 'ENODATA');
    await rejectsWithCode(resolver.resolveMx('unknown.example'), 'ENOTFOUND');
  });

  it('gives mailauth the shapes dns.resolve returns, so SPF "mx" works through it', async () => {
    assert.deepEqual(await resolver.mailauthResolver('example.org', 'TXT'), [['v=spf1 mx -all']]);
    await rejectsWithCode(resolver.mailauthResolver('unknown.example', 'TXT'), 'ENOTFOUND');
    const pass = await spf({ sender: 'a@example.org', ip: '192.0.2.2', helo: 'mx2.example.org', mta: 'petrel.test', resolver: resolver.mailauthResolver });
    assert.equal(pass.status.result, 'pass');
    const fail = await spf({ sender: 'a@example.org', ip: '198.51.100.1', helo: 'x.example', mta: 'petrel.test', resolver: resolver.mailauthResolver });
    assert.equal(fail.status.result, 'fail');
  });

  it('refuses a malformed MX override when created', () => {
    assert.throws(() => createResolver({ overrides: { 'bad.example': { MX: ['mx.bad.example'] } } }), /not "<priority> <host>"/);
  });
});

describe('createResolver falling back to DNS servers', () => {
  let dns: Awaited<ReturnType<typeof startFakeDns>>;
  before(async () => {
    dns = await startFakeDns({
      'remote.test': { MX: [[10, 'mx.remote.test']], TXT: ['hello'] },
      'mx.remote.test': { A: ['192.0.2.25'] },
      'broken.test': 'SERVFAIL',
    });
  });
  after(() => dns.close());

  it('asks the servers for names not overridden, overrides still winning', async () => {
    const resolver = createResolver({ overrides: { 'mx.remote.test': { A: ['127.0.0.1'] } }, servers: [dns.server], timeoutMs: 1000 });
    assert.deepEqual(await resolver.resolveMx('remote.test'), [{ priority: 10, exchange: 'mx.remote.test' }]);
    assert.deepEqual(await resolver.resolveTxt('remote.test'), [['hello']]);
    assert.deepEqual(await resolver.resolve4('mx.remote.test'), ['127.0.0.1']);
    await rejectsWithCode(resolver.resolve4('remote.test'), 'ENODATA');
    await rejectsWithCode(resolver.resolve4('nowhere.test'), 'ENOTFOUND');
  });

  it('reports a server failure as temporary in findMailHosts', async () => {
    const resolver = createResolver({ servers: [dns.server], timeoutMs: 1000 });
    await assert.rejects(findMailHosts(resolver, 'broken.test'), (err: unknown) => err instanceof MailHostError && !err.permanent && err.enhanced === '4.4.3');
    assert.deepEqual(await findMailHosts(resolver, 'remote.test'), [{ host: 'mx.remote.test', priority: 10 }]);
  });
});

describe('findMailHosts (RFC 5321 §5.1, RFC 7505)', () => {
  const resolver = createResolver({ overrides, system: false });

  it('orders MX hosts by preference', async () => {
    assert.deepEqual(await findMailHosts(resolver, 'example.org'), [
      { host: 'mx1.example.org', priority: 10 },
      { host: 'mx2.example.org', priority: 20 },
    ]);
  });

  it('shuffles hosts of equal preference with the random source', async () => {
    const hosts = (random: () => number) => findMailHosts(resolver, 'equal.example', random).then((list) => list.map((h) => h.host));
    // Math.random() always 0 with Fisher–Yates rotates [a, b, c] to [b, c, a]; 0.999 keeps the order.
    assert.deepEqual(await hosts(() => 0), ['first.equal.example', 'b.equal.example', 'c.equal.example', 'a.equal.example']);
    assert.deepEqual(await hosts(() => 0.999), ['first.equal.example', 'a.equal.example', 'b.equal.example', 'c.equal.example']);
  });

  it('uses the domain itself as implicit MX when it has an address but no MX', async () => {
    assert.deepEqual(await findMailHosts(resolver, 'implicit.example'), [{ host: 'implicit.example', priority: 0 }]);
  });

  it('fails permanently for a null MX, a missing domain, and a domain without MX or address', async () => {
    const permanent = (enhanced: string) => (err: unknown) => err instanceof MailHostError && err.permanent && err.enhanced === enhanced;
    await assert.rejects(findMailHosts(resolver, 'nomail.example'), permanent('5.1.10'));
    await assert.rejects(findMailHosts(resolver, 'unknown.example'), permanent('5.1.2'));
    await assert.rejects(findMailHosts(resolver, 'empty.example'), permanent('5.1.2'));
  });

  it('delivers to an address literal directly', async () => {
    assert.deepEqual(await findMailHosts(resolver, '[192.0.2.5]'), [{ host: '192.0.2.5', priority: 0 }]);
    assert.deepEqual(await findMailHosts(resolver, '[IPv6:2001:db8::1]'), [{ host: '2001:db8::1', priority: 0 }]);
    await assert.rejects(findMailHosts(resolver, '[not-an-ip]'), MailHostError);
  });
});

describe('createResolver caches DNS answers', () => {
  it('answers repeated queries, found and not found, from memory once the server is gone', async () => {
    const dns = await startFakeDns({ 'sender.test': { TXT: ['v=spf1 -all'] } });
    const resolver = createResolver({ servers: [dns.server], timeoutMs: 500 });
    const [first, concurrent] = await Promise.all([resolver.resolveTxt('sender.test'), resolver.resolveTxt('sender.test')]);
    assert.deepEqual(first, [['v=spf1 -all']]);
    assert.deepEqual(concurrent, first);
    await rejectsWithCode(resolver.resolveTxt('_dmarc.sender.test'), 'ENOTFOUND');
    await dns.close();
    first[0][0] = 'changed by a caller';
    assert.deepEqual(await resolver.resolveTxt('sender.test'), [['v=spf1 -all']], 'a cached answer survives the server and callers mutating it');
    await rejectsWithCode(resolver.resolveTxt('_dmarc.sender.test'), 'ENOTFOUND');
  });
});

describe('SRV and CNAME overrides', () => {
  it('answers SRV as parsed records (target "." as "") and CNAME without the trailing dot', async () => {
    const resolver = createResolver({
      system: false,
      overrides: {
        '_imaps._tcp.example.com': { SRV: ['0 1 993 mail.example.com.'] },
        '_pop3._tcp.example.com': { SRV: ['0 0 0 .'] },
        'autoconfig.example.com': { CNAME: ['Mail.Example.com.'] },
      },
    });
    assert.deepEqual(await resolver.resolveSrv('_imaps._tcp.example.com'), [{ priority: 0, weight: 1, port: 993, name: 'mail.example.com' }]);
    assert.deepEqual(await resolver.resolveSrv('_pop3._tcp.example.com'), [{ priority: 0, weight: 0, port: 0, name: '' }]);
    assert.deepEqual(await resolver.resolveCname('autoconfig.example.com'), ['mail.example.com']);
    await assert.rejects(resolver.resolveCname('_imaps._tcp.example.com'), { code: 'ENODATA' });
  });

  it('refuses a malformed SRV override at start-up', () => {
    assert.throws(() => createResolver({ system: false, overrides: { 'x.example': { SRV: ['993 mail.example.com'] } } }), /SRV "993 mail.example.com"/);
  });
});
