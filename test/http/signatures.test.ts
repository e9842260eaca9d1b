// The organisation-wide signature over HTTP and the CLI against a real `petrel serve`: a tenant
// admin sets the template with PUT, every user of the organisation gets it rendered with their
// own directory values from /me/signature (over a web session), plain users may not read or
// change the template, another organisation never sees it, and `petrel signature` works the same.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { petrel, petrelOk } from '../helpers/petrel-process.ts';
import { makeOrg, startApiServer, type ApiServer, type Org } from './api-helpers.ts';

interface Signature {
  text: string;
  html: string;
}

const TEXT = '{{name}}\n{{title}}\nPhone {{phone}}\n{{organisation}}';
const HTML = '<p>{{name}}<br>{{title}}<br>Phone {{phone}}</p>\n<p>{{organisation}}</p>';

let env: ApiServer;
let alpha: Org;
let beta: Org;

before(async () => {
  env = await startApiServer();
  alpha = await makeOrg(env.api, env.superToken, 'alpha', 'Sales');
  beta = await makeOrg(env.api, env.superToken, 'beta', 'Ops');
  await env.api.ok('PATCH', `/api/v1/tenants/${alpha.tenantId}`, env.superToken, { displayName: 'Alpha <Corp>' });
  await env.api.ok('PATCH', `/api/v1/gal/${alpha.user}`, env.superToken, { title: 'Account Manager' });
});

after(async () => {
  await env?.server.destroy();
});

test('a tenant admin sets the template; each user reads it rendered for them', async () => {
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/signature-template', alpha.adminToken), { text: '', html: '' });
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/me/signature', alpha.userSession), { text: '', html: '' }, 'no template, no signature');

  const stored = await env.api.ok<Signature>('PUT', '/api/v1/signature-template', alpha.adminToken, { text: TEXT, html: HTML });
  assert.deepEqual(stored, { text: TEXT, html: HTML });
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/signature-template', alpha.adminToken), stored);

  // The user has a title but no phone: the phone line goes; HTML values are escaped.
  const mine = await env.api.ok<Signature>('GET', '/api/v1/me/signature', alpha.userSession);
  assert.deepEqual(mine, { text: 'alpha user\nAccount Manager\nAlpha <Corp>', html: '<p>alpha user<br>Account Manager</p>\n<p>Alpha &lt;Corp&gt;</p>' });

  const audit = await env.api.ok<{ items: { action: string; target: string }[] }>('GET', '/api/v1/audit?action=signature.set', alpha.adminToken);
  assert.equal(audit.items[0]?.target, alpha.tenant);
});

test('plain users may not read or change the template; other organisations never see it', async () => {
  assert.equal((await env.api.call('GET', '/api/v1/signature-template', alpha.userSession)).status, 403);
  assert.equal((await env.api.call('PUT', '/api/v1/signature-template', alpha.userSession, { text: 'x', html: '' })).status, 403);
  assert.equal((await env.api.call('PUT', '/api/v1/signature-template', alpha.readToken, { text: 'x', html: '' })).status, 403, 'a read-only token cannot write');
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/signature-template', beta.adminToken), { text: '', html: '' });
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/me/signature', beta.userSession), { text: '', html: '' });
  assert.equal((await env.api.call('GET', `/api/v1/signature-template?tenant=${alpha.tenantId}`, beta.adminToken)).status, 404);
  const bad = await env.api.call<{ error: { field: string } }>('PUT', '/api/v1/signature-template', alpha.adminToken, { text: '{{fax}}', html: '' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'text');
  assert.equal((await env.api.call('GET', '/api/v1/me/signature')).status, 401);
});

test('the CLI shows, sets and previews the template', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-signature-'));
  writeFileSync(join(dir, 'sig.txt'), 'Best,\n{{name}} ({{department}})\n');
  writeFileSync(join(dir, 'sig.html'), '<p>{{name}}</p>\n');
  petrelOk(['signature', 'set', '--text', join(dir, 'sig.txt'), '--html', join(dir, 'sig.html'), '--tenant', beta.tenant, ...env.server.args]);
  const shown = JSON.parse(petrelOk(['signature', 'show', '--tenant', beta.tenant, '--json', ...env.server.args])) as Signature;
  assert.deepEqual(shown, { text: 'Best,\n{{name}} ({{department}})\n', html: '<p>{{name}}</p>\n' });
  // The user is in no unit: the department line goes.
  assert.deepEqual(JSON.parse(petrelOk(['signature', 'preview', beta.user, '--json', ...env.server.args])), { text: 'Best,\n', html: '<p>beta user</p>\n' });
  assert.match(petrelOk(['signature', 'preview', beta.user, ...env.server.args]), /--- html ---\n<p>beta user<\/p>/);
  // Only the HTML given: the text stays.
  writeFileSync(join(dir, 'sig.html'), '<b>{{email}}</b>');
  petrelOk(['signature', 'set', '--html', join(dir, 'sig.html'), '--tenant', beta.tenant, ...env.server.args]);
  assert.deepEqual(await env.api.ok<Signature>('GET', '/api/v1/me/signature', beta.userSession), { text: 'Best,\n', html: `<b>${beta.user}</b>` });
  const refused = petrel(['signature', 'set', '--text', join(dir, 'missing.txt'), ...env.server.args]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /cannot read/);
});
