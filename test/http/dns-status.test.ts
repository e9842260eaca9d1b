// GET /api/v1/domains/{domain}/dns-status against a real `petrel serve` whose [dns.overrides] stand
// in for public DNS: a record published right is ok, one with other content is a mismatch, one not
// published at all is missing; another organisation's domain does not exist for a tenant admin.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { dnsOverridesToml } from '../helpers/petrel-cli.ts';
import { freePort } from '../helpers/free-port.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { ALL_SCOPES, ApiClient, PASSWORD } from './api-helpers.ts';

const HOST = 'mx.petrel.test';

interface RecordState {
  type: string;
  name: string;
  expected: string;
  found: string[];
  status: string;
  required: boolean;
}

describe('domain DNS status', () => {
  let server: RunningPetrel;
  let api: ApiClient;
  let superToken: string;

  before(async () => {
    const http = await freePort();
    server = await startPetrel({
      hostname: HOST,
      extraArgs: ['--http-port', String(http)],
      configToml: dnsOverridesToml({
        'live.test': { MX: [`10 ${HOST}`], TXT: ['v=spf1 a -all'] },
        'other.test': { MX: [`10 ${HOST}`] },
      }),
    });
    api = new ApiClient(`http://127.0.0.1:${http}`);
    superToken = petrelOk(['token', 'create', '--login', 'admin', '--name', 'setup', ...ALL_SCOPES.flatMap((s) => ['--scope', s]), ...server.args]).trim();
    await api.ok('POST', '/api/v1/domains', superToken, { name: 'live.test' });
    const other = await api.ok<{ id: number }>('POST', '/api/v1/tenants', superToken, { name: 'othercorp' });
    await api.ok('POST', '/api/v1/domains', superToken, { name: 'other.test', tenant: other.id });
    await api.ok('POST', '/api/v1/users', superToken, { address: 'boss@live.test', password: PASSWORD });
    await api.ok('PUT', '/api/v1/admins/boss@live.test', superToken, { role: 'tenant-admin' });
  });

  after(async () => {
    await server?.destroy();
  });

  test('says per record whether DNS serves what the domain needs', async () => {
    const { items } = await api.ok<{ items: RecordState[]; next: null }>('GET', '/api/v1/domains/live.test/dns-status', superToken);
    const { items: wanted } = await api.ok<{ items: { type: string; name: string; value: string }[] }>('GET', '/api/v1/domains/live.test/dns-records', superToken);
    assert.deepEqual(
      items.map((r) => [r.type, r.name, r.expected]),
      wanted.map((r) => [r.type, r.name, r.value]),
      'one line for each record to publish, in the same order',
    );
    const mx = items.find((r) => r.type === 'MX')!;
    assert.deepEqual([mx.status, mx.found], ['ok', [`10 ${HOST}.`]]);
    const spf = items.find((r) => r.type === 'TXT' && r.name === 'live.test.')!;
    assert.deepEqual([spf.status, spf.found], ['mismatch', ['v=spf1 a -all']], 'an SPF record without "mx" does not authorise this server');
    const dkim = items.find((r) => r.name.includes('._domainkey.'))!;
    assert.deepEqual([dkim.status, dkim.found], ['missing', []]);
    const dmarc = items.find((r) => r.name === '_dmarc.live.test.')!;
    assert.equal(dmarc.status, 'missing');
  });

  test('another organisation\'s domain is not found, an unknown one neither', async () => {
    const session = await api.ok<{ token: string }>('POST', '/api/v1/session', '', { login: 'boss@live.test', password: PASSWORD });
    const own = await api.call<{ items: RecordState[] }>('GET', '/api/v1/domains/live.test/dns-status', session.token);
    assert.equal(own.status, 200, own.text);
    const foreign = await api.call<{ error: { code: string } }>('GET', '/api/v1/domains/other.test/dns-status', session.token);
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.error.code, 'not_found');
    const unknown = await api.call('GET', '/api/v1/domains/nowhere.test/dns-status', superToken);
    assert.equal(unknown.status, 404);
    const anonymous = await api.call('GET', '/api/v1/domains/live.test/dns-status');
    assert.equal(anonymous.status, 401);
  });
});
