// The audit log in the directory: what authenticate() records for each login, and how records are
// filtered, ordered, paged (keyset, for exports of large logs) and written as CSV. Both dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { authenticate } from '../../src/directory/authenticate.ts';
import { csvHeader, csvLine, iterateAudit, listAudit, parseAuditTime, recordAudit } from '../../src/directory/audit.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

forEachDialect('audit log', (fixture) => {
  let store: Store;
  let tenantId: number;

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'audit.test');
    tenantId = (await addUser(store.db, { address: 'alice@audit.test', password: 'correct horse battery' })).tenant_id;
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('every login is recorded with the name tried, the outcome and where from; never the password', async () => {
    assert.equal(await authenticate(store.db, 'alice@audit.test', 'wrong-secret-xyz', { protocol: 'imap', remoteAddress: '192.0.2.7' }), null);
    assert.equal(await authenticate(store.db, 'Nobody@Audit.test', 'other-secret-xyz', { protocol: 'pop3', remoteAddress: '192.0.2.8' }), null);
    assert.ok(await authenticate(store.db, 'alice@audit.test', 'correct horse battery', { protocol: 'submission', remoteAddress: '198.51.100.1' }));
    // The old three-argument form still works and still records.
    assert.ok(await authenticate(store.db, 'alice@audit.test', 'correct horse battery'));

    const records = await listAudit(store.db, { since: 0 });
    const logins = records.filter((r) => r.action.startsWith('login.'));
    assert.equal(logins.length, 4);
    const [plain, success, unknown, wrong] = logins; // newest first
    assert.deepEqual(
      { action: wrong.action, actor: wrong.actor, target: wrong.target, protocol: wrong.protocol, remoteAddress: wrong.remoteAddress, tenantId: wrong.tenantId, details: wrong.details },
      { action: 'login.failure', actor: 'alice@audit.test', target: 'alice@audit.test', protocol: 'imap', remoteAddress: '192.0.2.7', tenantId, details: { reason: 'wrong password' } },
    );
    assert.equal(unknown.action, 'login.failure');
    assert.equal(unknown.target, 'nobody@audit.test');
    assert.equal(unknown.tenantId, null);
    assert.deepEqual(unknown.details, { reason: 'unknown login' });
    assert.equal(success.action, 'login.success');
    assert.equal(success.protocol, 'submission');
    assert.equal(success.remoteAddress, '198.51.100.1');
    assert.equal(plain.action, 'login.success');
    assert.equal(plain.protocol, null);
    const everything = JSON.stringify(await listAudit(store.db));
    for (const secret of ['wrong-secret-xyz', 'other-secret-xyz', 'correct horse battery']) assert.ok(!everything.includes(secret), `${secret} is not in the log`);
  });

  test('filters by time, action, actor and tenant, newest first, with a limit', async () => {
    const base = Date.parse('2026-11-01T00:00:00Z');
    for (let i = 0; i < 5; i++) {
      await recordAudit(store.db, { at: base + i * 86_400_000, actor: i % 2 ? 'cli:ops' : 'cli:root', action: i % 2 ? 'user.remove' : 'user.add', target: `u${i}@audit.test`, tenantId: i === 4 ? 999 : tenantId });
    }
    const days = await listAudit(store.db, { since: parseAuditTime('2026-11-02', 'since'), until: parseAuditTime('2026-11-04', 'until') });
    assert.deepEqual(days.map((r) => r.target), ['u2@audit.test', 'u1@audit.test']);
    assert.deepEqual((await listAudit(store.db, { since: base, action: 'user.remove' })).map((r) => r.target), ['u3@audit.test', 'u1@audit.test']);
    assert.deepEqual((await listAudit(store.db, { since: base, until: base + 10 * 86_400_000, actor: 'cli:root', limit: 2 })).map((r) => r.target), ['u4@audit.test', 'u2@audit.test']);
    assert.deepEqual((await listAudit(store.db, { tenantId: 999 })).map((r) => r.target), ['u4@audit.test']);
    assert.throws(() => parseAuditTime('yesterday-ish', 'since'), /since: not a date/);
  });

  test('iteration pages by (at, id) across ties and returns every record once, newest first', async () => {
    const at = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 1203; i++) await recordAudit(store.db, { at: at + Math.floor(i / 7), actor: 'bulk', action: 'bulk.test', target: String(i) });
    const seen: number[] = [];
    for await (const r of iterateAudit(store.db, { actor: 'bulk' })) seen.push(Number(r.target));
    assert.equal(seen.length, 1203);
    assert.equal(new Set(seen).size, 1203);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
    assert.equal((await listAudit(store.db, { actor: 'bulk', limit: 501 })).length, 501);
  });

  test('CSV quotes fields holding commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvHeader(), 'id,at,tenant_id,actor,action,target,remote_address,protocol,details\r\n');
    const line = csvLine({ id: 1, at: '2026-11-01T00:00:00.000Z', tenantId: null, actor: 'a,b', action: 'x', target: 'say "hi"', remoteAddress: null, protocol: null, details: { k: 'v' } });
    assert.equal(line, '1,2026-11-01T00:00:00.000Z,,"a,b",x,"say ""hi""",,,"{""k"":""v""}"\r\n');
  });
});
