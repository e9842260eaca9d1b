// `petrel tenant`, `petrel admin` and DKIM rotation end to end through the real `petrel` binary:
// plan limits refuse the next user and domain, delegation is listed, and `petrel dns` publishes
// both keys while a rotation is under way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { AdminSummary } from '../../src/admin/admins.ts';
import type { TenantInfo } from '../../src/admin/tenants.ts';
import type { DkimKeyInfo } from '../../src/directory/dkim-keys.ts';
import { dnsRecords } from '../helpers/petrel-cli.ts';
import { petrel, petrelOk } from '../helpers/petrel-process.ts';

describe('petrel tenant, admin and DKIM rotation', () => {
  let dir: string;
  let data: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-tenant-cli-'));
    data = ['--data', dir];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const json = <T>(args: string[]): T => JSON.parse(petrelOk([...args, '--json', ...data])) as T;

  test('tenants: add with limits, list and show with usage, limits enforced, set raises them', () => {
    const added = json<TenantInfo>(['tenant', 'add', 'acme', '--display-name', 'Acme Inc.', '--max-users', '1', '--max-domains', '1', '--max-storage', '1G']);
    assert.deepEqual([added.name, added.displayName, added.limits], ['acme', 'Acme Inc.', { maxUsers: 1, maxDomains: 1, maxStorage: 1024 ** 3 }]);
    petrelOk(['domain', 'add', 'acme.test', '--tenant', 'acme', ...data]);
    petrelOk(['user', 'add', 'ann@acme.test', '--password', 'a long password', ...data]);

    const refusedUser = petrel(['user', 'add', 'bo@acme.test', '--password', 'a long password', ...data]);
    assert.equal(refusedUser.status, 1);
    assert.equal(refusedUser.stderr.trim(), 'petrel: tenant acme may have at most 1 users');
    const refusedDomain = petrel(['domain', 'add', 'acme2.test', '--tenant', 'acme', ...data]);
    assert.equal(refusedDomain.status, 1);
    assert.equal(refusedDomain.stderr.trim(), 'petrel: tenant acme may have at most 1 domains');

    const shown = json<TenantInfo>(['tenant', 'show', 'acme']);
    assert.deepEqual(shown.usage, { users: 1, domains: 1, storageBytes: 0 });
    assert.match(petrelOk(['tenant', 'show', 'acme', ...data]), /users:\s+1 of 1/);
    assert.deepEqual(json<TenantInfo[]>(['tenant', 'list']).map((t) => t.name), ['acme', 'default']);
    assert.deepEqual(json<{ name: string; tenant: string }[]>(['domain', 'list', '--tenant', 'acme']).map((d) => [d.name, d.tenant]), [['acme.test', 'acme']]);

    assert.equal(json<TenantInfo>(['tenant', 'set', 'acme', '--max-users', '2']).limits.maxUsers, 2);
    petrelOk(['user', 'add', 'bo@acme.test', '--password', 'a long password', ...data]);
  });

  test('admins: a super-admin grants tenant-admin and domain-admin; list and revoke', () => {
    json<AdminSummary>(['admin', 'grant', 'ann@acme.test', 'tenant-admin']);
    const domainAdmin = json<AdminSummary>(['admin', 'grant', 'bo@acme.test', 'domain-admin', '--domain', 'acme.test']);
    assert.deepEqual([domainAdmin.role, domainAdmin.tenant, domainAdmin.domains], ['domain-admin', 'acme', ['acme.test']]);
    assert.deepEqual(json<AdminSummary[]>(['admin', 'list', '--tenant', 'acme']).map((a) => [a.login, a.role]), [
      ['ann@acme.test', 'tenant-admin'],
      ['bo@acme.test', 'domain-admin'],
    ]);
    const bad = petrel(['admin', 'grant', 'bo@acme.test', 'emperor', ...data]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^petrel: role must be one of super-admin, tenant-admin, domain-admin/);
    assert.match(petrelOk(['admin', 'revoke', 'bo@acme.test', ...data]), /bo@acme\.test is now user/);
    assert.deepEqual(json<AdminSummary[]>(['admin', 'list', '--tenant', 'acme']).map((a) => a.login), ['ann@acme.test']);
    assert.equal(json<{ role: string }>(['user', 'show', 'ann@acme.test']).role, 'tenant-admin');
  });

  test('DKIM rotation: both keys in petrel dns, the new one signs once activated, the old one retires', () => {
    const dkim = () => dnsRecords(data, 'acme.test').filter((r) => r.name.includes('._domainkey.')).map((r) => r.name);
    const [old] = dkim();
    const key = json<DkimKeyInfo>(['domain', 'dkim-rotate', 'acme.test', '--manual']);
    assert.equal(key.state, 'pending');
    assert.deepEqual(dkim(), [old, `${key.selector}._domainkey.acme.test.`]);
    assert.match(petrelOk(['dns', 'acme.test', ...data]), /DKIM key of a rotation in progress/);

    const keys = json<DkimKeyInfo[]>(['domain', 'dkim-activate', 'acme.test', key.selector]);
    assert.deepEqual(keys.map((k) => k.state), ['retiring', 'active']);
    assert.equal(dkim().length, 2, 'the old key stays published while it retires');
    petrelOk(['domain', 'dkim-retire', 'acme.test', old.split('.')[0], ...data]);
    assert.deepEqual(dkim(), [`${key.selector}._domainkey.acme.test.`]);
    assert.deepEqual(json<DkimKeyInfo[]>(['domain', 'dkim-list', 'acme.test']).map((k) => [k.selector, k.state]), [[key.selector, 'active']]);
  });

  test('tenant remove refuses a tenant in use unless forced; the audit log has every step', () => {
    const refused = petrel(['tenant', 'remove', 'acme', ...data]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /still has 1 domain\(s\) and 2 account\(s\)/);
    petrelOk(['tenant', 'remove', 'acme', '--force', ...data]);
    assert.deepEqual(json<TenantInfo[]>(['tenant', 'list']).map((t) => t.name), ['default']);
    assert.deepEqual(json<unknown[]>(['user', 'list']), []);
    const actions = json<{ action: string }[]>(['audit', 'list', '--limit', '100']).map((r) => r.action);
    for (const action of ['tenant.add', 'tenant.update', 'tenant.remove', 'admin.grant', 'admin.revoke', 'domain.dkim-rotate', 'domain.dkim-activate', 'domain.dkim-retire']) {
      assert.ok(actions.includes(action), `${action} is audited`);
    }
  });
});
