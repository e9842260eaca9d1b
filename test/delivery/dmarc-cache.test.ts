import assert from 'node:assert/strict';
import { test } from 'node:test';

import { dmarc, type DNSResolver } from 'mailauth';

import { DnsError } from '../../src/delivery/dns-resolver.ts';
import { DmarcCache } from '../../src/delivery/dmarc-cache.ts';

// DmarcCache reuses a DMARC verdict for the next message from the same From domain with the same
// SPF and DKIM outcome, only while DNS still says what it said.

function zone(records: Record<string, string[]>): DNSResolver {
  return async (name, type) => {
    const entry = records[name.toLowerCase()];
    if (!entry) throw new DnsError('ENOTFOUND', 'query', name);
    if (type !== 'TXT') throw new DnsError('ENODATA', 'query', name);
    return entry.map((text) => [text]);
  };
}

const pass = { spfDomains: ['example.com'], dkimDomains: [] };
const fail = { spfDomains: [], dkimDomains: [] };

test('a remembered verdict is what mailauth says for every address of the From domain', async () => {
  const records = { '_dmarc.example.com': ['v=DMARC1; p=reject; sp=none'] };
  const cache = new DmarcCache(zone(records));
  for (const from of ['a@example.com', 'B.Other@Example.COM', 'c@sub.example.com']) {
    for (const outcome of [pass, fail]) {
      const expected = await dmarc({ headerFrom: [from], ...outcome, resolver: zone(records) });
      assert.deepEqual(await cache.check({ headerFrom: [from], ...outcome }), expected, from);
    }
  }
  assert.equal(cache.hits, 2);
});

test('a verdict is never served for another SPF or DKIM outcome, or another domain', async () => {
  const cache = new DmarcCache(zone({ '_dmarc.example.com': ['v=DMARC1; p=reject'], '_dmarc.example.org': ['v=DMARC1; p=none'] }));
  const passed = await cache.check({ headerFrom: ['a@example.com'], ...pass });
  assert.ok(passed && passed.status.result === 'pass');
  const failed = await cache.check({ headerFrom: ['a@example.com'], ...fail });
  assert.ok(failed && failed.status.result === 'fail' && failed.policy === 'reject');
  const dkim = await cache.check({ headerFrom: ['a@example.com'], spfDomains: [], dkimDomains: [{ id: 'x', domain: 'example.com' }] });
  assert.ok(dkim && dkim.status.result === 'pass');
  const other = await cache.check({ headerFrom: ['a@example.org'], ...fail });
  assert.ok(other && other.policy === 'none');
  assert.equal(cache.hits, 0);
});

test('a verdict is not served once the DNS answer it came from has changed, nor after a DNS failure', async () => {
  const records = { '_dmarc.example.com': ['v=DMARC1; p=none'] };
  const cache = new DmarcCache(zone(records));
  const query = { headerFrom: ['a@example.com'], ...fail };
  assert.ok((await cache.check(query)) && (await cache.check(query)));
  assert.equal(cache.hits, 1);
  records['_dmarc.example.com'] = ['v=DMARC1; p=reject'];
  const after = await cache.check(query);
  assert.ok(after && after.policy === 'reject');
  assert.equal(cache.hits, 1);

  let failing = true;
  const flaky: DNSResolver = async (name, type) => {
    if (failing) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    return zone(records)(name, type);
  };
  const flakyCache = new DmarcCache(flaky);
  const first = await flakyCache.check(query);
  assert.ok(first && first.status.result === 'temperror');
  failing = false;
  const second = await flakyCache.check(query);
  assert.ok(second && second.status.result === 'fail');
});
