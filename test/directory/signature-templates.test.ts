// The organisation-wide signature template on both store dialects: stored per tenant, rendered
// per user from the directory (placeholders filled, values HTML-escaped in the HTML version, a
// line with a missing value left out), and who may read and change it through the admin service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { AdminContext } from '../../src/admin/context.ts';
import * as admin from '../../src/admin/signatures.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { setGalAttributes } from '../../src/directory/gal.ts';
import { assignUnit, createUnit } from '../../src/directory/org-units.ts';
import { getSignatureTemplate, renderHtml, renderSignatureFor, renderText, setSignatureTemplate } from '../../src/directory/signature-templates.ts';
import { createTenant, updateTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const D = 'sig.test';
const OTHER = 'other-sig.test';
const code = (c: string) => (err: unknown) => err instanceof DirectoryError && err.code === c;

const TEXT = ['-- ', '{{name}}', '{{title}}, {{department}}', 'Phone: {{phone}}', '{{email}} · {{organisation}}'].join('\n');
const HTML = ['<p><b>{{name}}</b><br>{{title}}<br>Tel. {{phone}}<br>', '<a href="mailto:{{email}}">{{email}}</a></p>', '<p class="org">{{organisation}}</p>'].join('\n');

function context(store: Store, principalId: number | null, tenantId: number | null, role: AdminContext['actor']['role']): AdminContext {
  return { db: store.db, actor: { name: `#${principalId}`, principalId, role, tenantId, domainIds: [], scopes: null }, remoteAddress: '127.0.0.1', via: 'api' };
}

forEachDialect('signature templates', (fixture) => {
  let store: Store;
  let tenant: number;
  let otherTenant: number;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    tenant = Number((await createTenant(store.db, { name: 'sigcorp', displayName: 'Sig & Co' })).id);
    otherTenant = Number((await createTenant(store.db, { name: 'othersig' })).id);
    await addDomain(store.db, D, { tenant: 'sigcorp' });
    await addDomain(store.db, OTHER, { tenant: 'othersig' });
    ids.alice = Number((await addUser(store.db, { address: `alice@${D}`, password: 'secret-pass-123', displayName: 'Alice <Adams>' })).id);
    ids.bob = Number((await addUser(store.db, { address: `bob@${D}`, password: 'secret-pass-123', displayName: 'Bob Brown' })).id);
    ids.olga = Number((await addUser(store.db, { address: `olga@${OTHER}`, password: 'secret-pass-123', displayName: 'Olga Other' })).id);
    await createUnit(store.db, tenant, 'Engineering/Backend');
    await assignUnit(store.db, ids.alice, tenant, 'Engineering/Backend');
    await setGalAttributes(store.db, ids.alice, { title: 'R&D Lead', phone: '+44 20 7946 0000' });
  });
  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('no template: empty strings, and every user\'s signature is empty', async () => {
    assert.deepEqual(await getSignatureTemplate(store.db, tenant), { text: '', html: '' });
    assert.deepEqual(await renderSignatureFor(store.db, tenant, ids.alice), { text: '', html: '' });
  });

  test('a stored template is per tenant, replaced by the next one and removed by two empty strings', async () => {
    await setSignatureTemplate(store.db, tenant, { text: 'first', html: '<p>first</p>' });
    await setSignatureTemplate(store.db, tenant, { text: TEXT, html: HTML });
    assert.deepEqual(await getSignatureTemplate(store.db, tenant), { text: TEXT, html: HTML });
    assert.deepEqual(await getSignatureTemplate(store.db, otherTenant), { text: '', html: '' });
    await setSignatureTemplate(store.db, otherTenant, { text: 'x', html: '' });
    await setSignatureTemplate(store.db, otherTenant, { text: '', html: '' });
    assert.equal((await store.db.selectFrom('signature_templates').select('tenant_id').where('tenant_id', '=', otherTenant).execute()).length, 0);
  });

  test('unknown placeholders are refused, naming the field', async () => {
    await assert.rejects(setSignatureTemplate(store.db, tenant, { text: 'Hi {{nickname}}', html: '' }), (err: unknown) => code('invalid')(err) && (err as DirectoryError).field === 'text');
    await assert.rejects(setSignatureTemplate(store.db, tenant, { text: '', html: '{{ Fax }}' }), (err: unknown) => code('invalid')(err) && (err as DirectoryError).field === 'html');
  });

  test('each user gets their own values; a line whose value is missing is left out; HTML values are escaped', async () => {
    await setSignatureTemplate(store.db, tenant, { text: TEXT, html: HTML });
    const alice = await renderSignatureFor(store.db, tenant, ids.alice);
    assert.equal(alice.text, ['-- ', 'Alice <Adams>', 'R&D Lead, Engineering/Backend', 'Phone: +44 20 7946 0000', `alice@${D} · Sig & Co`].join('\n'));
    assert.equal(
      alice.html,
      [`<p><b>Alice &lt;Adams&gt;</b><br>R&amp;D Lead<br>Tel. +44 20 7946 0000<br>`, `<a href="mailto:alice@${D}">alice@${D}</a></p>`, '<p class="org">Sig &amp; Co</p>'].join('\n'),
    );
    // Bob has no title, unit or phone: those lines (and their <br>s) go, the rest stays.
    const bob = await renderSignatureFor(store.db, tenant, ids.bob);
    assert.equal(bob.text, ['-- ', 'Bob Brown', `bob@${D} · Sig & Co`].join('\n'));
    assert.equal(bob.html, [`<p><b>Bob Brown</b><br>`, `<a href="mailto:bob@${D}">bob@${D}</a></p>`, '<p class="org">Sig &amp; Co</p>'].join('\n'));
    // The organisation's name is read when rendering, so a rename shows at once.
    await updateTenant(store.db, tenant, { displayName: '' });
    assert.equal((await renderSignatureFor(store.db, tenant, ids.bob)).text, ['-- ', 'Bob Brown'].join('\n'));
    await updateTenant(store.db, tenant, { displayName: 'Sig & Co' });
  });

  test('rendering is a pure function of template and values', () => {
    const values = { name: 'N', email: 'e@x', title: '', department: '', phone: '"1"', organisation: 'O' };
    assert.equal(renderText('{{ NAME }} ({{organisation}})\n{{title}}\nfixed', values), 'N (O)\nfixed');
    assert.equal(renderHtml('<i>{{phone}}</i><br/>{{title}}<br/>end', values), '<i>&quot;1&quot;</i><br/>end');
    // A dropped piece keeps its markup, so the paragraph is still closed, but not its dangling break.
    assert.equal(renderHtml('<p>{{name}}<br>T: <a href="tel:{{title}}">{{title}}</a></p>', values), '<p>N<a href="tel:"></a></p>');
  });

  test('tenant admins and super-admins read and set it; users, domain admins and other tenants may not', async () => {
    const tenantAdmin = context(store, ids.bob, tenant, 'tenant-admin');
    const stored = await admin.setSignatureTemplate(tenantAdmin, { text: 'Regards,\n{{name}}', html: '<p>{{name}}</p>' });
    assert.deepEqual(stored, { text: 'Regards,\n{{name}}', html: '<p>{{name}}</p>' });
    assert.deepEqual(await admin.getSignatureTemplate(tenantAdmin), stored);
    const audit = await store.db.selectFrom('audit_log').selectAll().where('action', '=', 'signature.set').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual([audit.actor, audit.target, Number(audit.tenant_id)], [`#${ids.bob}`, 'sigcorp', tenant]);

    const superAdmin = context(store, null, null, 'super-admin');
    assert.deepEqual(await admin.getSignatureTemplate(superAdmin, { tenant: 'sigcorp' }), stored);
    await admin.setSignatureTemplate(superAdmin, { tenant: 'othersig', text: '{{name}} of {{organisation}}', html: '' });
    assert.deepEqual(await admin.previewSignature(superAdmin, { principal: `olga@${OTHER}` }), { text: '', html: '' }, 'othersig has no display name, so the only line goes');

    await assert.rejects(admin.getSignatureTemplate(context(store, ids.alice, tenant, 'user')), code('forbidden'));
    await assert.rejects(admin.setSignatureTemplate(context(store, ids.alice, tenant, 'user'), { text: '', html: '' }), code('forbidden'));
    await assert.rejects(admin.getSignatureTemplate(context(store, ids.alice, tenant, 'domain-admin')), code('forbidden'));
    await assert.rejects(admin.getSignatureTemplate(tenantAdmin, { tenant: 'othersig' }), code('not_found'));
    await assert.rejects(admin.previewSignature(tenantAdmin, { principal: `olga@${OTHER}` }), code('not_found'));

    // Every user reads their own rendered signature.
    assert.deepEqual(await admin.mySignature(context(store, ids.alice, tenant, 'user')), { text: 'Regards,\nAlice <Adams>', html: '<p>Alice &lt;Adams&gt;</p>' });
    await assert.rejects(admin.mySignature(superAdmin), code('forbidden'));
  });
});
