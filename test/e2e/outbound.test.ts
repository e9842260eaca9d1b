import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { authenticate } from 'mailauth';

import { freePort } from '../helpers/free-port.ts';
import { swaks } from '../helpers/peers.ts';
import { petrelOk, startPetrel, type PetrelPorts, type RunningPetrel } from '../helpers/petrel-process.ts';

interface DnsRecord {
  name: string;
  type: string;
  value: string;
}

async function ports(): Promise<PetrelPorts> {
  return { smtp: await freePort(), submission: await freePort(), submissions: await freePort(), lmtp: await freePort() };
}

function toml(lines: Record<string, Record<string, string[]>>): string {
  return Object.entries(lines)
    .map(([name, records]) => `[dns.overrides."${name}"]\n${Object.entries(records).map(([type, values]) => `${type} = ${JSON.stringify(values)}`).join('\n')}`)
    .join('\n');
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function inbox(server: RunningPetrel, address: string): { uid: number; subject: string }[] {
  return JSON.parse(petrelOk(['mail', 'list', address, '--json', ...server.args])) as { uid: number; subject: string }[];
}

function submit(server: RunningPetrel, to: string, subject: string): string {
  const result = swaks([
    '--server', `127.0.0.1:${server.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', 'alice@a.test', '--auth-password', 'alice-password',
    '--from', 'alice@a.test', '--to', to, '--header', `Subject: ${subject}`, '--body', 'Sent from A to another server.',
  ]);
  assert.equal(result.status, 0, result.output.slice(-800));
  return result.output;
}

describe('outbound delivery between two Petrel servers', () => {
  let a: RunningPetrel;
  let b: RunningPetrel;
  let c: RunningPetrel | null = null;
  let dkim: DnsRecord;

  before(async () => {
    const aPorts = await ports();
    const bPorts = await ports();
    const aDir = mkdtempSync(join(tmpdir(), 'petrel-a-'));
    petrelOk(['domain', 'add', 'a.test', '--data', aDir]);
    petrelOk(['user', 'add', 'alice@a.test', '--password', 'alice-password', '--data', aDir]);
    const records = JSON.parse(petrelOk(['dns', 'a.test', '--json', '--data', aDir])) as DnsRecord[];
    dkim = records.find((r) => r.name.includes('._domainkey.'))!;
    // A knows B's and C's MX; it reaches "port 25" on B's smtp port (one mx_port for all
    // domains, so C is reached through a second name on the same port later).
    a = await startPetrel({
      dataDir: aDir,
      ports: aPorts,
      hostname: 'mx.a.test',
      configToml: `[outbound]\nmx_port = ${bPorts.smtp}\npoll_interval_ms = 300\n${toml({ 'b.test': { MX: ['10 mx.b.test'] }, 'mx.b.test': { A: ['127.0.0.1'] }, 'down.test': { MX: ['10 mx.down.test'] }, 'mx.down.test': { A: ['127.0.0.2'] } })}`,
    });
    // B trusts what A's DNS would publish: its DKIM key and an SPF record naming loopback.
    b = await startPetrel({
      ports: bPorts,
      hostname: 'mx.b.test',
      configToml: toml({ [dkim.name.replace(/\.$/, '')]: { TXT: [dkim.value] }, 'a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } }),
    });
    petrelOk(['domain', 'add', 'b.test', ...b.args]);
    petrelOk(['user', 'add', 'bob@b.test', '--password', 'bob-password', ...b.args]);
  });

  after(async () => {
    await a?.destroy();
    await b?.destroy();
    await c?.destroy();
  });

  test('a submitted message reaches the other server with a DKIM signature that verifies', async () => {
    submit(a, 'bob@b.test', 'across servers');
    const entry = await waitFor('delivery at B', () => inbox(b, 'bob@b.test').find((e) => e.subject === 'across servers'));
    const raw = Buffer.from(petrelOk(['mail', 'show', 'bob@b.test', String(entry.uid), ...b.args]), 'latin1');
    assert.match(raw.toString(), /Authentication-Results: mx\.b\.test;\r\n dkim=pass header\.i=@a\.test /);
    assert.match(raw.toString(), /spf=pass/);
    // And checked independently of B, with mailauth given only the record `petrel dns` printed.
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && `${name}.` === dkim.name) return [[dkim.value]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const result = await authenticate(raw, { ip: '127.0.0.1', sender: 'alice@a.test', resolver, disableArc: true, disableBimi: true });
    assert.equal(result.dkim.results[0]?.status.result, 'pass');
    assert.ok(inbox(a, 'alice@a.test').length === 0, 'nothing bounced');
  });

  test('a permanent failure at the remote server bounces to the sender (RFC 3464)', async () => {
    submit(a, 'nosuchuser@b.test', 'to nobody');
    const bounce = await waitFor('the bounce', () => inbox(a, 'alice@a.test').find((e) => e.subject === 'Undelivered Mail Returned to Sender'));
    const raw = petrelOk(['mail', 'show', 'alice@a.test', String(bounce.uid), ...a.args]);
    assert.match(raw, /Content-Type: multipart\/report; report-type=delivery-status/);
    assert.match(raw, /Final-Recipient: rfc822; nosuchuser@b\.test/);
    assert.match(raw, /Status: 5\.1\.1/);
    assert.match(raw, /Subject: to nobody/);
    await waitFor('an empty queue', () => ((JSON.parse(petrelOk(['queue', 'list', '--json', ...a.args])) as unknown[]).length === 0 ? true : undefined));
  });

  test('an unreachable server is retried: queued with the error, delivered once it answers', async () => {
    submit(a, 'carol@down.test', 'retried later');
    const queued = await waitFor('a failed attempt', () => {
      const list = JSON.parse(petrelOk(['queue', 'list', '--json', ...a.args])) as { recipients: { address: string; attempts: number; lastError: string | null }[] }[];
      const r = list.flatMap((m) => m.recipients).find((x) => x.address === 'carol@down.test');
      return r && r.attempts >= 1 ? r : undefined;
    });
    assert.ok(queued.lastError, 'the error is recorded');
    // Nothing listens on 127.0.0.2 at B's port yet; start C there, then ask A to retry now.
    c = await startPetrel({ ports: { ...(await ports()), smtp: b.ports.smtp }, hostname: 'mx.down.test', extraArgs: ['--listen', '127.0.0.2'] });
    petrelOk(['domain', 'add', 'down.test', ...c.args]);
    petrelOk(['user', 'add', 'carol@down.test', '--password', 'carol-password', ...c.args]);
    petrelOk(['queue', 'retry', ...a.args]);
    const reached = c;
    await waitFor('delivery at C', () => inbox(reached, 'carol@down.test').find((e) => e.subject === 'retried later'));
  });
});
