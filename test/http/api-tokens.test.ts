// API tokens on both dialects: the secret is never stored (only its SHA-256), a token opens only
// with its exact secret, not after expiry, revocation or its owner being disabled; and the admin
// rules: your own tokens, your users' tokens for their administrator, never a wider token than
// the one you hold, and tokens of another organisation are not found.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { actorForPrincipal } from '../../src/admin/actor.ts';
import { cliContext, type AdminContext, type Scope } from '../../src/admin/context.ts';
import { createToken, listTokens, revokeToken } from '../../src/admin/tokens.ts';
import { createApiToken, verifyApiToken } from '../../src/directory/api-tokens.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { createTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import type { Principal } from '../../src/store/schema.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const PASSWORD = 'Correct-Horse-42-battery';

async function rejects(promise: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof DirectoryError && err.code === code && (field === undefined || err.field === field));
}

forEachDialect('API tokens', (fixture) => {
  let store: Store;
  let alice: Principal;
  let boss: Principal;
  let other: Principal;
  const context = async (principal: Principal, scopes: Scope[] | null): Promise<AdminContext> => ({
    db: store.db,
    actor: await actorForPrincipal(store.db, principal, scopes ? new Set(scopes) : null),
    remoteAddress: '192.0.2.1',
    via: 'api',
  });

  before(async () => {
    store = await fixture().open();
    const acme = await createTenant(store.db, { name: 'acme' });
    const globex = await createTenant(store.db, { name: 'globex' });
    await addDomain(store.db, 'acme.test', { tenant: acme.name });
    await addDomain(store.db, 'globex.test', { tenant: globex.name });
    alice = await addUser(store.db, { address: 'alice@acme.test', password: PASSWORD });
    boss = await addUser(store.db, { address: 'boss@acme.test', password: PASSWORD });
    other = await addUser(store.db, { address: 'other@globex.test', password: PASSWORD });
    await store.db.updateTable('principals').set({ role: 'tenant-admin' }).where('id', 'in', [boss.id, other.id]).execute();
    boss = { ...boss, role: 'tenant-admin' };
    other = { ...other, role: 'tenant-admin' };
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('only the SHA-256 of the secret is stored, and only the exact token opens', async () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const { token, row } = await createApiToken(store.db, { principalId: alice.id, name: 'ci', scopes: ['directory:read'], expiresAt: now + 3_600_000 }, now);
    const secret = token.split('_').slice(2).join('_');
    const stored = await store.db.selectFrom('api_tokens').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(secret));
    assert.match(stored.token_hash, /^[0-9a-f]{64}$/);
    const opened = await verifyApiToken(store.db, token, now);
    assert.equal(opened?.principal.id, alice.id);
    assert.deepEqual(opened?.row.scopes, 'directory:read');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    assert.equal(await verifyApiToken(store.db, flipped, now), null);
    assert.equal(await verifyApiToken(store.db, token.replace(`ptk_${row.id}_`, `ptk_${Number(row.id) + 1000}_`), now), null);
    assert.equal(await verifyApiToken(store.db, 'ptk_x', now), null);
    assert.equal(await verifyApiToken(store.db, token, now + 3_600_000), null, 'expired');
    await store.db.updateTable('principals').set({ disabled: 1 }).where('id', '=', alice.id).execute();
    assert.equal(await verifyApiToken(store.db, token, now), null, 'owner disabled');
    await store.db.updateTable('principals').set({ disabled: 0 }).where('id', '=', alice.id).execute();
    await rejects(createApiToken(store.db, { principalId: alice.id, name: 'ci', scopes: ['directory:read'] }), 'conflict', 'name');
    await rejects(createApiToken(store.db, { principalId: alice.id, name: 'old', scopes: ['directory:read'], expiresAt: now - 1 }, now), 'invalid', 'expiresAt');
  });

  test('your own tokens; never wider than the token you hold; someone else\'s only by a super-admin', async () => {
    const asAlice = await context(alice, ['directory:read']);
    const made = await createToken(asAlice, { name: 'mine', scopes: ['directory:read'] });
    assert.equal(made.info.owner, 'alice@acme.test');
    await rejects(createToken(asAlice, { name: 'wider', scopes: ['directory:write'] }), 'forbidden', 'scopes');
    await rejects(createToken(asAlice, { name: 'odd', scopes: ['root'] }), 'invalid', 'scopes');
    await rejects(createToken(await context(boss, null), { login: 'alice@acme.test', name: 'impersonate', scopes: ['directory:read'] }), 'forbidden', 'login');
    const byCli = await createToken(cliContext(store.db), { login: 'alice@acme.test', name: 'from-cli', scopes: ['audit:read'] });
    assert.equal(byCli.info.owner, 'alice@acme.test');
    assert.deepEqual((await listTokens(asAlice)).map((t) => t.name).sort(), ['ci', 'from-cli', 'mine']);
  });

  test('an administrator lists and revokes its users\' tokens; another organisation\'s are not found', async () => {
    const asBoss = await context(boss, null);
    const asOther = await context(other, null);
    const aliceTokens = await listTokens(asBoss, { login: 'alice@acme.test' });
    assert.ok(aliceTokens.length >= 3);
    assert.ok((await listTokens(asBoss, { all: true })).every((t) => t.tenantId === boss.tenant_id));
    await rejects(listTokens(asOther, { login: 'alice@acme.test' }), 'not_found');
    await rejects(revokeToken(asOther, aliceTokens[0].id), 'not_found');
    assert.ok((await listTokens(asOther, { all: true })).every((t) => t.tenantId === other.tenant_id));
    await rejects(revokeToken(await context(boss, ['directory:read']), aliceTokens[0].id), 'forbidden');
    await revokeToken(asBoss, aliceTokens[0].id);
    await rejects(revokeToken(asBoss, aliceTokens[0].id), 'not_found', 'id');
    const audit = await store.db.selectFrom('audit_log').selectAll().where('action', '=', 'token.revoke').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, 'boss@acme.test');
    assert.equal(Number(audit[0].tenant_id), Number(alice.tenant_id));
    // A plain user revokes its own.
    const own = (await listTokens(await context(alice, null))).find((t) => t.name === 'mine');
    assert.ok(own);
    await revokeToken(await context(alice, ['directory:read']), own.id);
  });
});
