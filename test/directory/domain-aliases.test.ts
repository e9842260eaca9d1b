// Domain aliases in the directory: every address of the target also at the alias (with the
// target's +detail and catch-all), same organisation, no alias of an alias, and a target with
// aliases cannot be removed. On both store dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addAlias } from '../../src/directory/aliases.ts';
import { dnsRecordsFor } from '../../src/directory/dns-records.ts';
import { addDomain, addDomainAlias, listDomains, removeDomain, removeDomainAlias, setCatchAll } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { isLocalDomain, resolveRecipient } from '../../src/directory/recipients.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const config = { hostname: 'mx.example.test', ports: { submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 0, pop3s: 0 } } as Parameters<typeof dnsRecordsFor>[2];

forEachDialect('directory domain aliases', (fixture) => {
  let store: Store;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'example.test');
    await addDomain(store.db, 'other.test');
    ids.alice = (await addUser(store.db, { address: 'alice@example.test', password: 'secret-pass' })).id;
    ids.bob = (await addUser(store.db, { address: 'bob@example.test', password: 'secret-pass' })).id;
    await addAlias(store.db, 'sales@example.test', 'bob@example.test');
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('an alias domain takes its target\'s organisation and is listed with it', async () => {
    const alias = await addDomainAlias(store.db, 'Alias.Test', 'example.test');
    const target = (await listDomains(store.db)).find((d) => d.name === 'example.test');
    assert.equal(alias.name, 'alias.test');
    const row = await store.db.selectFrom('domains').select('tenant_id').where('name', '=', 'example.test').executeTakeFirstOrThrow();
    assert.equal(alias.tenant_id, row.tenant_id);
    const listed = (await listDomains(store.db)).find((d) => d.name === 'alias.test');
    assert.equal(listed?.aliasOf, 'example.test');
    assert.equal(listed?.tenant, target?.tenant);
    assert.equal(target?.aliasOf, null);
    assert.equal(await isLocalDomain(store.db, 'alias.test'), true);
  });

  test('an address at the alias resolves to the target\'s principal; +detail and aliases apply', async () => {
    const r = await resolveRecipient(store.db, 'Alice@alias.test');
    assert.ok(r);
    assert.equal(r.principalId, ids.alice);
    assert.equal(r.address, 'alice@example.test');
    const detail = await resolveRecipient(store.db, 'alice+news@alias.test');
    assert.ok(detail);
    assert.equal(detail.principalId, ids.alice);
    const sales = await resolveRecipient(store.db, 'sales@alias.test');
    assert.ok(sales);
    assert.equal(sales.principalId, ids.bob);
  });

  test('an unknown user at the alias is ours but nobody; the target\'s catch-all then applies', async () => {
    assert.equal(await resolveRecipient(store.db, 'nobody@alias.test'), false);
    await setCatchAll(store.db, 'example.test', ids.bob);
    const r = await resolveRecipient(store.db, 'nobody@alias.test');
    assert.ok(r);
    assert.equal(r.principalId, ids.bob);
    await setCatchAll(store.db, 'example.test', null);
  });

  test('refused: an alias of an alias, an existing name, alias of itself, an unknown target', async () => {
    await assert.rejects(addDomainAlias(store.db, 'alias2.test', 'alias.test'), (e: unknown) => e instanceof DirectoryError && /itself an alias domain/.test(e.message));
    await assert.rejects(addDomainAlias(store.db, 'other.test', 'example.test'), (e: unknown) => e instanceof DirectoryError && e.code === 'conflict');
    await assert.rejects(addDomainAlias(store.db, 'example.test', 'example.test'), DirectoryError);
    await assert.rejects(addDomainAlias(store.db, 'x.test', 'missing.test'), (e: unknown) => e instanceof DirectoryError && e.code === 'not_found');
  });

  test('no address of its own can be made at an alias domain', async () => {
    const refusedAtAlias = (e: unknown) => e instanceof DirectoryError && /alias\.test is an alias of example\.test; add the address at example\.test/.test(e.message);
    await assert.rejects(addUser(store.db, { address: 'newbie@alias.test', password: 'pw-newbie-12345' }), refusedAtAlias);
    await assert.rejects(addAlias(store.db, 'other@alias.test', 'alice@example.test'), refusedAtAlias);
    await assert.rejects(setCatchAll(store.db, 'alias.test', null), refusedAtAlias);
  });

  test('DNS: MX, SPF and DMARC for the alias, no DKIM', async () => {
    const records = await dnsRecordsFor(store.db, 'alias.test', config);
    assert.deepEqual(records.map((r) => `${r.type} ${r.name}`), ['MX alias.test.', 'TXT alias.test.', 'TXT _dmarc.alias.test.']);
  });

  test('a target with aliases cannot be removed; alias-remove only removes aliases', async () => {
    await assert.rejects(removeDomain(store.db, 'example.test', { force: true }), (e: unknown) => e instanceof DirectoryError && /target of alias domain\(s\) alias\.test/.test(e.message));
    await assert.rejects(removeDomainAlias(store.db, 'other.test'), (e: unknown) => e instanceof DirectoryError && /not an alias domain/.test(e.message));
    await removeDomainAlias(store.db, 'alias.test');
    assert.equal(await resolveRecipient(store.db, 'alice@alias.test'), null);
    await removeDomain(store.db, 'other.test');
  });
});
