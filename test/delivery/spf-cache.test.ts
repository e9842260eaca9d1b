import assert from 'node:assert/strict';
import { test } from 'node:test';

import { spf, type DNSResolver } from 'mailauth';

import { DnsError } from '../../src/delivery/dns-resolver.ts';
import { SpfCache } from '../../src/delivery/spf-cache.ts';

// SpfCache rewords a result remembered for one sender of a domain for the next one. Whatever it
// serves must be what mailauth's own check says for that sender, and never outlive the answers.

/** A resolver over a zone the test can change; it counts the TXT questions. */
function zone(records: Record<string, { TXT?: string[]; A?: string[] }>): DNSResolver & { txtLookups: number } {
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT') resolver.txtLookups++;
    const entry = records[name.toLowerCase()];
    if (!entry) throw new DnsError('ENOTFOUND', 'query', name);
    const values = type === 'TXT' ? entry.TXT?.map((text) => [text]) : type === 'A' ? entry.A : undefined;
    if (!values || values.length === 0) throw new DnsError('ENODATA', 'query', name);
    return structuredClone(values);
  };
  resolver.txtLookups = 0;
  return resolver as DNSResolver & { txtLookups: number };
}

const MTA = 'mx.petrel.test';
const SENDERS = [
  'first@example.com',
  'second.person@example.com',
  'Mixed.Case@EXAMPLE.com',
  'paren)and\\backslash@example.com',
  '"quoted local part"@example.com',
  `${'very-long-local-part.'.repeat(8)}x@example.com`,
  '@example.com',
];

test('a remembered SPF result reads for every other sender of the domain as mailauth words it', async () => {
  const records = {
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 ~all'] },
    'fail.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    'neutral.example': { TXT: ['v=spf1 ?all'] },
    'none.example': { TXT: ['not spf'] },
  };
  const cases = [
    { ip: '192.0.2.10', domain: 'example.com', result: 'pass' },
    { ip: '198.51.100.1', domain: 'example.com', result: 'softfail' },
    { ip: '198.51.100.1', domain: 'fail.example', result: 'fail' },
    { ip: '198.51.100.1', domain: 'neutral.example', result: 'neutral' },
    { ip: '198.51.100.1', domain: 'none.example', result: 'none' },
  ];
  for (const { ip, domain, result } of cases) {
    const resolver = zone(records);
    const cache = new SpfCache(resolver);
    for (const sender of SENDERS.map((s) => s.replace(/example\.com$/i, domain))) {
      const query = { ip, helo: 'client.example', sender, mta: MTA };
      const expected = await spf({ ...query, resolver: zone(records) });
      assert.equal(expected.status.result, result);
      assert.deepEqual(await cache.check(query), expected, `${result} for ${sender}`);
    }
    assert.equal(cache.hits, SENDERS.length - 1, `${result}: every sender after the first served from the cache`);
  }
});

test('a result is never served for another client IP, HELO name or domain', async () => {
  const plain = zone({ 'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] }, 'example.org': { TXT: ['v=spf1 -all'] } });
  const cache = new SpfCache(plain);
  const base = { ip: '192.0.2.10', helo: 'client.example', sender: 'a@example.com', mta: MTA };
  assert.equal((await cache.check(base)).status.result, 'pass');
  assert.equal((await cache.check({ ...base, ip: '198.51.100.1' })).status.result, 'fail');
  assert.equal((await cache.check({ ...base, sender: 'a@example.org' })).status.result, 'fail');
  const helo = await cache.check({ ...base, helo: 'other.example' });
  assert.deepEqual(helo, await spf({ ...base, helo: 'other.example', resolver: plain }));
  assert.equal(cache.hits, 0);
});

test('a result is not served once the DNS answer it came from has changed', async () => {
  const records = { 'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] } };
  const resolver = zone(records);
  const cache = new SpfCache(resolver);
  const query = { ip: '198.51.100.1', helo: 'client.example', sender: 'a@example.com', mta: MTA };
  assert.equal((await cache.check(query)).status.result, 'fail');
  assert.equal((await cache.check(query)).status.result, 'fail');
  assert.equal(cache.hits, 1);
  // As when the resolver's cached answer expires and DNS now says something else.
  records['example.com'].TXT = ['v=spf1 ip4:198.51.100.0/24 -all'];
  assert.equal((await cache.check(query)).status.result, 'pass');
  assert.equal(cache.hits, 1);
  assert.equal((await cache.check(query)).status.result, 'pass');
  assert.equal(cache.hits, 2);
});

test('records with macros, and temporary errors, are never remembered', async () => {
  const macro = zone({ 'example.com': { TXT: ['v=spf1 exists:%{l}.allowed.example.com -all'] }, 'alice.allowed.example.com': { A: ['127.0.0.2'] } });
  const cache = new SpfCache(macro);
  const base = { ip: '198.51.100.1', helo: 'client.example', mta: MTA };
  assert.equal((await cache.check({ ...base, sender: 'alice@example.com' })).status.result, 'pass');
  assert.equal((await cache.check({ ...base, sender: 'bob@example.com' })).status.result, 'fail');
  assert.equal((await cache.check({ ...base, sender: 'alice@example.com' })).status.result, 'pass');
  assert.equal(cache.hits, 0);

  let failing = true;
  const flaky: DNSResolver = async (name, type) => {
    if (failing) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    return zone({ 'example.com': { TXT: ['v=spf1 -all'] } })(name, type);
  };
  const flakyCache = new SpfCache(flaky);
  const query = { ...base, sender: 'a@example.com' };
  assert.equal((await flakyCache.check(query)).status.result, 'temperror');
  failing = false;
  assert.equal((await flakyCache.check(query)).status.result, 'fail');
});
