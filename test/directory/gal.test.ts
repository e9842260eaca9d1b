// The global address list on both store dialects: what it holds (users, shared mailboxes,
// groups; not hidden or disabled ones; never another tenant's), search by name, address, title
// and department, keyset pagination, and who may read and change it through the admin service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { AdminContext } from '../../src/admin/context.ts';
import * as adminGal from '../../src/admin/gal.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { searchGal, setGalAttributes, type GalEntry } from '../../src/directory/gal.ts';
import { addGroup } from '../../src/directory/groups.ts';
import { assignUnit, createUnit } from '../../src/directory/org-units.ts';
import { addSharedMailbox } from '../../src/directory/shared-mailboxes.ts';
import { createTenant, ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'gal.test';
const OTHER = 'other-gal.test';
const code = (c: string) => (err: unknown) => err instanceof DirectoryError && err.code === c;

function userContext(store: Store, principalId: number, tenantId: number, role: 'user' | 'tenant-admin' = 'user'): AdminContext {
  return { db: store.db, actor: { name: `#${principalId}`, principalId, role, tenantId, domainIds: [], scopes: null }, remoteAddress: '127.0.0.1', via: 'api' };
}

forEachDialect('global address list', (fixture) => {
  let store: Store;
  let tenant: number;
  let otherTenant: number;
  const ids: Record<string, number> = {};
  const names = (items: GalEntry[]) => items.map((e) => e.address);

  before(async () => {
    store = await fixture().open();
    tenant = Number((await ensureDefaultTenant(store.db)).id);
    otherTenant = Number((await createTenant(store.db, { name: 'other-gal' })).id);
    await addDomain(store.db, D);
    await addDomain(store.db, OTHER, { tenant: 'other-gal' });
    const people: [string, string][] = [
      ['alice', 'Alice Adams'],
      ['bob', 'Bob Brown'],
      ['carol', 'carol Clark'],
      ['hidden', 'Henry Hidden'],
      ['gone', 'Gina Gone'],
    ];
    for (const [local, name] of people) ids[local] = Number((await addUser(store.db, { address: `${local}@${D}`, password: 'secret-pass-123', displayName: name })).id);
    ids.support = Number((await addSharedMailbox(store.db, { address: `support@${D}`, displayName: 'Support Desk' })).id);
    ids.staff = Number((await addGroup(store.db, { address: `staff@${D}`, displayName: 'All Staff' })).id);
    ids.olga = Number((await addUser(store.db, { address: `alice@${OTHER}`, password: 'secret-pass-123', displayName: 'Alice Other' })).id);
    await createUnit(store.db, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.alice, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.support, tenant, 'Engineering');
    await setGalAttributes(store.db, ids.alice, { title: 'Staff Engineer', phone: '+44 20 7946 0000' });
    await setGalAttributes(store.db, ids.bob, { title: 'Sales 100% Lead' });
    await setGalAttributes(store.db, ids.hidden, { hidden: true });
    await store.db.updateTable('principals').set({ disabled: 1 }).where('id', '=', ids.gone).execute();
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('every principal of the tenant in name order; hidden, disabled and other tenants left out', async () => {
    const page = await searchGal(store.db, tenant);
    assert.deepEqual(names(page.items), [`alice@${D}`, `staff@${D}`, `bob@${D}`, `carol@${D}`, `support@${D}`]);
    assert.equal(page.next, null);
    const alice = page.items[0];
    assert.deepEqual(alice, { id: ids.alice, kind: 'user', name: 'Alice Adams', address: `alice@${D}`, title: 'Staff Engineer', department: 'Engineering/Backend', phone: '+44 20 7946 0000' });
    assert.deepEqual(
      page.items.map((e) => e.kind),
      ['user', 'group', 'user', 'user', 'shared'],
    );
    assert.deepEqual(names((await searchGal(store.db, otherTenant)).items), [`alice@${OTHER}`]);
  });

  test('search matches name, address, title and department, case-insensitively, as substrings', async () => {
    const search = async (query: string) => names((await searchGal(store.db, tenant, { query })).items);
    assert.deepEqual(await search('ADAMS'), [`alice@${D}`]);
    assert.deepEqual(await search('carol@'), [`carol@${D}`]);
    assert.deepEqual(await search('engineer'), [`alice@${D}`, `support@${D}`], 'title of one, department of the other');
    assert.deepEqual(await search('backend'), [`alice@${D}`]);
    assert.deepEqual(await search('staff'), [`alice@${D}`, `staff@${D}`]);
    assert.deepEqual(await search('100%'), [`bob@${D}`], '% is literal');
    assert.deepEqual(await search('_'), []);
    assert.deepEqual(await search('hidden'), [], 'a hidden entry is never found');
    assert.deepEqual(await search('other'), [], 'nor another tenant\'s');
  });

  test('pages follow each other without gaps or repeats, searched or not', async () => {
    for (let i = 0; i < 23; i++) {
      const n = String(i).padStart(2, '0');
      // Same display name for pairs: the id breaks the tie.
      await addUser(store.db, { address: `p${n}@${D}`, password: 'secret-pass-123', displayName: `Person ${String(Math.floor(i / 2)).padStart(2, '0')}` });
    }
    const all = (await searchGal(store.db, tenant, { limit: 500 })).items;
    assert.equal(all.length, 28);
    const walked: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await searchGal(store.db, tenant, { limit: 4, after });
      walked.push(...names(page.items));
      after = page.next ?? undefined;
      pages++;
    } while (after);
    assert.equal(pages, 7);
    assert.deepEqual(walked, names(all));
    const searched: string[] = [];
    after = undefined;
    do {
      const page = await searchGal(store.db, tenant, { limit: 3, after, query: 'person' });
      searched.push(...names(page.items));
      after = page.next ?? undefined;
    } while (after);
    assert.equal(searched.length, 23);
    assert.deepEqual(searched, names(all).filter((a) => a.startsWith('p')));
    await assert.rejects(searchGal(store.db, tenant, { after: 'not-a-cursor' }), code('invalid'));
    await assert.rejects(searchGal(store.db, tenant, { limit: 0 }), code('invalid'));
  });

  test('a term with more matches than a search collects up front pages the same way', async () => {
    // Written directly: 1,100 accounts through addUser would spend minutes hashing passwords.
    const domain = await store.db.selectFrom('domains').select('id').where('name', '=', D).executeTakeFirstOrThrow();
    for (let start = 0; start < 1100; start += 275) {
      const rows = Array.from({ length: 275 }, (_, k) => ({ tenant_id: tenant, kind: 'user' as const, login: `bulk${start + k}@${D}`, display_name: `Bulk ${String(1099 - start - k).padStart(4, '0')}`, password_hash: null, role: 'user' as const, org_unit_id: null, quota_bytes: 0, used_bytes: 0, modseq: 0, disabled: (start + k) % 100 === 0 ? 1 : 0, created_at: 0 }));
      const inserted = await store.db.insertInto('principals').values(rows).returning('id').execute();
      await store.db.insertInto('addresses').values(inserted.map((r, k) => ({ address: `bulk${start + k}@${D}`, domain_id: domain.id, principal_id: r.id, is_primary: 1 }))).execute();
    }
    const walked: string[] = [];
    let after: string | undefined;
    do {
      const page = await searchGal(store.db, tenant, { limit: 400, after, query: 'BULK' });
      walked.push(...page.items.map((e) => e.name));
      after = page.next ?? undefined;
    } while (after);
    const expected = Array.from({ length: 1100 }, (_, i) => i)
      .filter((i) => (1099 - i) % 100 !== 0)
      .map((i) => `Bulk ${String(i).padStart(4, '0')}`);
    assert.deepEqual(walked, expected);
    assert.deepEqual((await searchGal(store.db, tenant, { query: 'bulk1098@' })).items.map((e) => e.name), ['Bulk 0001']);
  });

  test('attributes are checked; hiding and showing again', async () => {
    await assert.rejects(setGalAttributes(store.db, ids.bob, { phone: 'call me' }), (err: unknown) => code('invalid')(err) && (err as DirectoryError).field === 'phone');
    await setGalAttributes(store.db, ids.bob, { hidden: true });
    assert.ok(!names((await searchGal(store.db, tenant, { query: 'bob' })).items).length);
    await setGalAttributes(store.db, ids.bob, { hidden: false });
    assert.deepEqual(names((await searchGal(store.db, tenant, { query: 'bob' })).items), [`bob@${D}`]);
  });

  test('admin service: a plain user searches their own tenant only, and cannot change entries', async () => {
    const asCarol = userContext(store, ids.carol, tenant);
    assert.deepEqual(names((await adminGal.searchGal(asCarol, { query: 'alice' })).items), [`alice@${D}`]);
    await assert.rejects(adminGal.searchGal(asCarol, { tenant: 'other-gal' }), code('not_found'));
    const asOlga = userContext(store, ids.olga, otherTenant);
    assert.deepEqual(names((await adminGal.searchGal(asOlga, { query: 'alice' })).items), [`alice@${OTHER}`]);
    await assert.rejects(adminGal.setGalAttributes(asCarol, { principal: `bob@${D}`, title: 'Boss' }), code('forbidden'));
    // Another tenant's admin cannot even see the principal.
    await assert.rejects(adminGal.setGalAttributes(userContext(store, ids.olga, otherTenant, 'tenant-admin'), { principal: `bob@${D}`, title: 'Boss' }), code('not_found'));
    const asAdmin = userContext(store, ids.alice, tenant, 'tenant-admin');
    const entry = await adminGal.setGalAttributes(asAdmin, { principal: `bob@${D}`, title: 'Head of Sales', hidden: false });
    assert.equal(entry.title, 'Head of Sales');
    const audit = await store.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'gal.set').execute();
    assert.deepEqual(audit, [{ action: 'gal.set', target: `bob@${D}` }]);
  });
});
