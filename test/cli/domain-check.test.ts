// `petrel domain check` against DNS answers supplied by [dns.overrides], with public DNS off.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { dkimRecord, dnsRecords, dnsOverridesToml, prepareDataDir, type PreparedData } from '../helpers/petrel-cli.ts';
import { petrel } from '../helpers/petrel-process.ts';

const HOST = 'mail.example.com';

interface CheckJson {
  domain: string;
  hostname: string;
  ok: boolean;
  records: { name: string; type: string; required: boolean; status: string; expected: string; found: string[]; problem?: string }[];
  summary: { ok: number; missing: number; wrong: number; error: number; requiredFailing: number };
}

describe('petrel domain check', () => {
  let data: PreparedData;
  let dkim: { name: string; value: string };

  before(() => {
    data = prepareDataDir('example.com', []);
    dkim = dkimRecord(data.args, 'example.com');
  });
  after(() => rmSync(data.dataDir, { recursive: true, force: true }));

  /** A config whose DNS is exactly `overrides`, nothing from the Internet. */
  function config(name: string, overrides: Parameters<typeof dnsOverridesToml>[0]): string {
    const file = join(data.dataDir, `${name}.toml`);
    writeFileSync(file, `hostname = "${HOST}"\n[dns]\nsystem = false\n\n${dnsOverridesToml(overrides)}`);
    return file;
  }

  /** The SRV records as `petrel dns` lists them (RFC 6186 services, some deliberately off with "."). */
  const srvZone = (): Record<string, { SRV: string[] }> =>
    Object.fromEntries(dnsRecords([...data.args, '--hostname', HOST], 'example.com').filter((r) => r.type === 'SRV').map((r) => [r.name.replace(/\.$/, ''), { SRV: [r.value] }]));

  const goodZone = (): Record<string, { MX?: string[]; A?: string[]; TXT?: string[]; SRV?: string[]; CNAME?: string[] }> => ({
    'example.com': { MX: [`10 ${HOST}`], TXT: ['v=spf1 mx -all', 'google-site-verification=abc'] },
    [dkim.name]: { TXT: [dkim.value] },
    '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@example.com'] },
    [HOST]: { A: ['192.0.2.25'] },
    // One alias as a CNAME, one as a copy of the host's address: both are accepted.
    'autoconfig.example.com': { CNAME: [HOST] },
    'autodiscover.example.com': { A: ['192.0.2.25'] },
    ...srvZone(),
  });

  test('a domain with every required record in place exits 0', () => {
    const result = petrel(['domain', 'check', 'example.com', '--config', config('good', goodZone()), ...data.args]);
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /^\[ok +\] MX +example\.com\.$/m);
    assert.match(result.stdout, /^\[ok +\] TXT +example\.com\.$/m);
    assert.match(result.stdout, new RegExp(`^\\[ok +\\] TXT +${dkim.name.replace(/\./g, '\\.')}\\.$`, 'm'));
    assert.match(result.stdout, /^\[ok +\] TXT +_dmarc\.example\.com\.$/m);
    assert.match(result.stdout, /^\[ok +\] CNAME autoconfig\.example\.com\.$/m);
    assert.match(result.stdout, /^\[ok +\] SRV +_submission\._tcp\.example\.com\.$/m);
    assert.match(result.stdout, /^\[ok +\] SRV +_imaps\._tcp\.example\.com\.$/m);
    assert.match(result.stdout, /^example\.com: all required records are in place \(12 ok, 0 missing, 0 wrong\)$/m);
  });

  test('missing DKIM, a wrong MX and two SPF records exit 1 and say so', () => {
    const zone = goodZone();
    zone['example.com'] = { MX: ['10 mx.elsewhere.example'], TXT: ['v=spf1 mx -all', 'v=spf1 include:_spf.elsewhere.example ~all'] };
    delete zone[dkim.name];
    const result = petrel(['domain', 'check', 'example.com', '--config', config('broken', zone), ...data.args]);
    assert.equal(result.status, 1, result.stderr + result.stdout);
    assert.equal(result.stderr, '');
    const out = result.stdout;
    assert.match(out, /^\[WRONG +\] MX +example\.com\. — no MX points at mail\.example\.com\n +expected: 10 mail\.example\.com\.\n +found: +10 mx\.elsewhere\.example\.$/m);
    assert.match(out, /^\[WRONG +\] TXT +example\.com\. — 2 SPF records; .*\n +expected: v=spf1 mx -all\n +found: +v=spf1 mx -all\n +found: +v=spf1 include:_spf\.elsewhere\.example ~all$/m);
    assert.match(out, new RegExp(`^\\[MISSING\\] TXT +${dkim.name.replace(/\./g, '\\.')}\\. — no DKIM key at this selector published\\n +expected: v=DKIM1; k=rsa; p=`, 'm'));
    assert.match(out, /^\[ok +\] TXT +_dmarc\.example\.com\.$/m);
    assert.match(out, /^example\.com: 3 required records need fixing \(9 ok, 1 missing, 2 wrong\)$/m);
  });

  test('--json: a report with one entry per record and a summary', () => {
    const zone = goodZone();
    zone[dkim.name] = { TXT: ['v=DKIM1; k=rsa; p=AAAAnotthekey'] };
    zone['_dmarc.example.com'] = { TXT: ['v=DMARC1; rua=mailto:dmarc@example.com'] };
    zone['autodiscover.example.com'] = { A: ['198.51.100.7'] };
    zone['_imaps._tcp.example.com'] = { SRV: ['0 1 143 mail.example.com'] };
    delete zone['_pop3s._tcp.example.com'];
    const result = petrel(['domain', 'check', 'example.com', '--json', '--config', config('json', zone), ...data.args]);
    assert.equal(result.status, 1, result.stderr + result.stdout);
    const report = JSON.parse(result.stdout) as CheckJson;
    assert.equal(report.domain, 'example.com');
    assert.equal(report.hostname, HOST);
    assert.equal(report.ok, false);
    const by = (name: string, type: string) => report.records.find((r) => r.name === name && r.type === type);
    assert.deepEqual(by('example.com.', 'MX'), {
      name: 'example.com.',
      type: 'MX',
      purpose: 'where other servers deliver mail for the domain',
      required: true,
      expected: `10 ${HOST}.`,
      status: 'ok',
      found: [`10 ${HOST}.`],
    });
    assert.deepEqual(by(`${dkim.name}.`, 'TXT')?.status, 'wrong');
    assert.match(by(`${dkim.name}.`, 'TXT')?.problem ?? '', /not the active signing key/);
    assert.deepEqual(by('_dmarc.example.com.', 'TXT')?.status, 'wrong');
    assert.deepEqual([by('autodiscover.example.com.', 'CNAME')?.status, by('autodiscover.example.com.', 'CNAME')?.required], ['wrong', false]);
    assert.equal(by('_imaps._tcp.example.com.', 'SRV')?.status, 'wrong');
    assert.equal(by('_pop3s._tcp.example.com.', 'SRV')?.status, 'missing');
    assert.equal(report.records.length, 12);
    assert.deepEqual(report.summary, { ok: 7, missing: 1, wrong: 4, error: 0, requiredFailing: 2 });
  });

  test('an unknown domain is one clear line and exit 1', () => {
    const result = petrel(['domain', 'check', 'nowhere.example', '--config', config('none', {}), ...data.args]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), 'petrel: no such domain: nowhere.example');
  });
});
