// DKIM key rotation through the admin service: the new key is published at once beside the
// signing one, signs only once activated (or when its grace period is over), and the old key
// stays published while it retires. On both store dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cliContext, type AdminContext } from '../../src/admin/context.ts';
import { activateDkimKey, addDomain, domainDnsRecords, listDkimKeys, retireDkimKey, rotateDkimKey } from '../../src/admin/domains.ts';
import { defaultConfig } from '../../src/config/config.ts';
import { activeDkimKey, RETIRE_GRACE_MS, settleDkimKeys } from '../../src/directory/dkim-keys.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'rotate.test';

forEachDialect('DKIM key rotation', (fixture) => {
  let store: Store;
  let ctx: AdminContext;
  let domainId: number;

  before(async () => {
    store = await fixture().open();
    ctx = cliContext(store.db);
    domainId = (await addDomain(ctx, { name: D })).id;
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  const dkimNames = async () => (await domainDnsRecords(ctx, { domain: D, server: defaultConfig() })).filter((r) => r.name.includes('._domainkey.')).map((r) => r.name);
  const signing = async () => (await activeDkimKey(store.db, domainId))?.selector;

  test('a manual rotation publishes both keys and keeps signing with the old one until activated', async () => {
    const [first] = await listDkimKeys(ctx, { domain: D });
    assert.equal(first.state, 'active');
    const next = await rotateDkimKey(ctx, { domain: D, activateAfterMs: null });
    assert.notEqual(next.selector, first.selector);
    assert.equal(next.state, 'pending');
    assert.equal(next.activateAt, null);
    assert.deepEqual(await dkimNames(), [`${first.selector}._domainkey.${D}.`, `${next.selector}._domainkey.${D}.`]);
    assert.equal(await signing(), first.selector, 'not signing with a key DNS may not have yet');

    await activateDkimKey(ctx, { domain: D, selector: next.selector });
    assert.equal(await signing(), next.selector);
    const keys = await listDkimKeys(ctx, { domain: D });
    assert.deepEqual(keys.map((k) => [k.selector, k.state]), [[first.selector, 'retiring'], [next.selector, 'active']]);
    assert.ok((keys[0].retireAt ?? 0) > Date.now(), 'the old key stays published for a while');
    assert.equal((await dkimNames()).length, 2);

    await assert.rejects(retireDkimKey(ctx, { domain: D, selector: next.selector }), (err: unknown) => err instanceof DirectoryError && err.code === 'invalid');
    await retireDkimKey(ctx, { domain: D, selector: first.selector });
    assert.deepEqual(await dkimNames(), [`${next.selector}._domainkey.${D}.`]);
  });

  test('with a grace period the new key signs by itself once it is over, and the old one is unpublished after its own', async () => {
    const before = await signing();
    const next = await rotateDkimKey(ctx, { domain: D, activateAfterMs: 0 });
    assert.ok(next.selector !== before);
    // The grace period of 0 is over at the next read: the signer switches without anyone acting.
    assert.equal(await signing(), next.selector);
    const keys = await listDkimKeys(ctx, { domain: D });
    assert.deepEqual(keys.map((k) => k.state), ['retiring', 'active']);
    await settleDkimKeys(store.db, domainId, Date.now() + RETIRE_GRACE_MS + 1);
    assert.deepEqual((await listDkimKeys(ctx, { domain: D })).map((k) => k.selector), [next.selector]);
  });

  test('the default grace period leaves the new key pending', async () => {
    const next = await rotateDkimKey(ctx, { domain: D });
    assert.equal(next.state, 'pending');
    assert.ok(next.activateAt !== null && next.activateAt > Date.now() + 3_600_000);
    assert.notEqual(await signing(), next.selector);
  });
});
