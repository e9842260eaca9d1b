// User administration through the admin service: keyset pagination and search, updates, and the
// audit records they leave. On both store dialects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { listAudit } from '../../src/admin/audit.ts';
import { cliContext, type AdminContext } from '../../src/admin/context.ts';
import { addDomain } from '../../src/admin/domains.ts';
import { addUser, getUser, listUsers, updateUser } from '../../src/admin/users.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

forEachDialect('admin users', (fixture) => {
  let store: Store;
  let ctx: AdminContext;
  const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen'];

  before(async () => {
    store = await fixture().open();
    ctx = cliContext(store.db);
    await addDomain(ctx, { name: 'one.test' });
    await addDomain(ctx, { name: 'two.test' });
    for (const [i, name] of names.entries()) {
      const local = name.split(' ')[1].toLowerCase();
      await addUser(ctx, { address: `${local}@${i % 2 === 0 ? 'one' : 'two'}.test`, password: 'a long password', displayName: name });
    }
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('pages follow each other by address with no gap or repeat, and the last says so', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await listUsers(ctx, { limit: 3, after });
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((u) => u.address));
      after = page.next ?? undefined;
      pages++;
    } while (after !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, names.length);
  });

  test('search matches a part of the address or of the name, case-insensitively, and combines with the domain', async () => {
    assert.deepEqual((await listUsers(ctx, { query: 'LOVE' })).items.map((u) => u.address), ['lovelace@one.test']);
    assert.deepEqual((await listUsers(ctx, { query: 'grace' })).items.map((u) => u.displayName), ['Grace Hopper']);
    assert.deepEqual((await listUsers(ctx, { query: 'an', domain: 'one.test' })).items.map((u) => u.address), ['allen@one.test', 'turing@one.test']);
    assert.deepEqual((await listUsers(ctx, { query: '%' })).items, [], 'a % is a character, not a wildcard');
    await assert.rejects(listUsers(ctx, { limit: 0 }), (err: unknown) => err instanceof DirectoryError && err.field === 'limit');
  });

  test('update changes the name, quota and disabled flag, and is audited', async () => {
    const updated = await updateUser(ctx, { user: 'knuth@two.test', displayName: 'D. E. Knuth', quotaBytes: 1024, disabled: true });
    assert.deepEqual([updated.displayName, updated.quotaBytes, updated.disabled], ['D. E. Knuth', 1024, true]);
    assert.equal((await getUser(ctx, { user: updated.id })).displayName, 'D. E. Knuth');
    // The search index follows the rename (on SQLite it is a trigram table kept by triggers).
    assert.deepEqual((await listUsers(ctx, { query: 'D. E.' })).items.map((u) => u.address), ['knuth@two.test']);
    assert.deepEqual((await listUsers(ctx, { query: 'Donald' })).items, []);
    const [record] = await listAudit(ctx, { action: 'user.update', limit: 1 });
    assert.equal(record.target, 'knuth@two.test');
    assert.deepEqual(record.details, { displayName: 'D. E. Knuth', quotaBytes: 1024, disabled: true });
  });
});
