// The admin API over a real socket: its OpenAPI document (validated, and holding every route the
// server registers), credentials (API tokens made and revoked with the CLI, sessions with a second
// factor), scopes, and refusals that name the field at fault. curl plays an operator's script.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import SwaggerParser from '@apidevtools/swagger-parser';
import { TOTP } from 'otpauth';

import { buildHttpApp } from '../../src/http/listener.ts';
import { openStore } from '../../src/store/database.ts';
import { petrel, petrelOk } from '../helpers/petrel-process.ts';
import { curl, makeOrg, operations, PASSWORD, sampleBody, startApiServer, type ApiServer, type Json, type OpenApiDocument, type Org } from './api-helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

describe('admin API over HTTP', () => {
  let ctx: ApiServer;
  let org: Org;
  let doc: OpenApiDocument;

  before(async () => {
    ctx = await startApiServer();
    org = await makeOrg(ctx.api, ctx.superToken, 'acme', 'Sales');
    doc = await ctx.api.ok<OpenApiDocument>('GET', '/api/openapi.json', '');
  });
  after(async () => ctx?.server.destroy());

  test('the OpenAPI document validates and holds every route the server registers, and only those', async () => {
    const fetched = curl(`${ctx.base}/api/openapi.json`);
    assert.equal(fetched.status, 200);
    assert.match(fetched.headers, /content-type: application\/json/);
    const parsed = JSON.parse(fetched.body) as OpenApiDocument;
    assert.equal(parsed.openapi, '3.1.0');
    await SwaggerParser.validate(JSON.parse(fetched.body) as Parameters<typeof SwaggerParser.validate>[0]);

    // The routes as Fastify registers them, from the same code the server runs.
    const dir = mkdtempSync(join(tmpdir(), 'petrel-routes-'));
    const store = await openStore({ dataDir: dir, database: 'sqlite' });
    try {
      const app = buildHttpApp({ db: store.db, hostname: 'mx.petrel.test', log: () => {} });
      const registered = new Set<string>();
      app.addHook('onRoute', (route) => {
        // HEAD routes are Fastify's automatic twins of GET ones.
        for (const method of [route.method].flat()) if (method !== 'HEAD' && route.url.startsWith('/api/')) registered.add(`${method} ${route.url}`);
      });
      await app.ready();
      await app.close();
      const documented = new Set(operations(parsed).map((op) => `${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`));
      assert.ok(registered.size >= 70, `only ${registered.size} API routes registered`);
      assert.deepEqual([...registered].filter((r) => !documented.has(r)), [], 'registered but not in the document');
      assert.deepEqual([...documented].filter((r) => !registered.has(r)), [], 'in the document but not registered');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    for (const op of operations(parsed)) {
      const operation = parsed.paths[op.path][op.method.toLowerCase()] as { summary?: string; tags?: string[] };
      assert.ok(operation.summary && operation.tags?.length, `${op.method} ${op.path} has no summary or tag`);
    }
  });

  test('no credentials or bad ones: 401 with a Bearer challenge (RFC 6750), as curl sees it', () => {
    const none = curl(`${ctx.base}/api/v1/users`);
    assert.equal(none.status, 401);
    assert.match(none.headers, /www-authenticate: bearer realm="petrel"\r?\n/);
    assert.equal((JSON.parse(none.body) as ErrorBody).error.code, 'unauthenticated');
    for (const token of ['ptk_1_' + 'A'.repeat(43), 'not-a-token', `${org.adminToken.slice(0, -1)}x`]) {
      const bad = curl(`${ctx.base}/api/v1/users`, ['-H', `Authorization: Bearer ${token}`]);
      assert.equal(bad.status, 401, token);
      assert.match(bad.headers, /www-authenticate: bearer realm="petrel", error="invalid_token"/);
    }
    const basic = curl(`${ctx.base}/api/v1/users`, ['-u', 'admin:password']);
    assert.equal(basic.status, 401);
    assert.match(basic.headers, /www-authenticate: bearer realm="petrel"\r?\n/);
    // Credentials are checked before the body is even read: no hints for an anonymous caller.
    const anonymousPost = curl(`${ctx.base}/api/v1/users`, ['-X', 'POST', '-H', 'content-type: application/json', '--data', '{}']);
    assert.equal(anonymousPost.status, 401);
  });

  test('petrel token create prints the secret once, only its hash is stored, and revoke stops it at once', async () => {
    const created = petrel(['token', 'create', '--login', org.admin, '--name', 'ci', '--scope', 'directory:read', ...ctx.server.args]);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^ptk_\d+_[A-Za-z0-9_-]{43}$/);
    const id = Number(token.split('_')[1]);
    const secret = token.split('_').slice(2).join('_');
    const listed = JSON.parse(petrelOk(['token', 'list', '--login', org.admin, '--json', ...ctx.server.args])) as { id: number; name: string; scopes: string[] }[];
    assert.deepEqual(listed.find((t) => t.id === id), { ...listed.find((t) => t.id === id), name: 'ci', scopes: ['directory:read'] });
    assert.ok(!JSON.stringify(listed).includes(secret));
    const users = curl(`${ctx.base}/api/v1/users?limit=2`, ['-H', `Authorization: Bearer ${token}`]);
    assert.equal(users.status, 200, users.body);
    assert.deepEqual(Object.keys(JSON.parse(users.body) as Json).sort(), ['items', 'next']);
    for (const file of ['petrel.sqlite', 'petrel.sqlite-wal']) {
      const path = join(ctx.server.dataDir, file);
      if (existsSync(path)) assert.ok(!readFileSync(path).includes(secret), `the secret is in ${file}`);
    }
    petrelOk(['token', 'revoke', String(id), ...ctx.server.args]);
    assert.equal(curl(`${ctx.base}/api/v1/users`, ['-H', `Authorization: Bearer ${token}`]).status, 401);
    const audit = await ctx.api.ok<{ items: { action: string; target: string }[] }>('GET', '/api/v1/audit?action=token.revoke', ctx.superToken);
    assert.ok(audit.items.some((r) => r.target === `${org.admin}:ci`));
    assert.match(petrel(['token', 'create', '--login', org.admin, '--name', 'bad', '--scope', 'root', ...ctx.server.args]).stderr, /unknown scope root/);
  });

  test('a directory:read token reads but cannot POST, PUT, PATCH or DELETE anything, nor mint a stronger token', async () => {
    const { api } = ctx;
    assert.equal((await api.call('GET', '/api/v1/users', org.readToken)).status, 200);
    const refused: string[] = [];
    const allowed: string[] = [];
    const writes = operations(doc).filter((op) => op.method !== 'GET' && !op.path.startsWith('/api/v1/session') && !op.path.startsWith('/api/v1/tokens'));
    assert.ok(writes.length >= 40);
    for (const op of writes) {
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(({ id: '1', domain: org.domain, alias: op.path.startsWith('/api/v1/domains/') ? org.domainAlias : org.alias, user: org.user, principal: org.user, group: org.group, member: org.user, address: org.shared, selector: org.selector, path: org.unit } as Record<string, string>)[name]));
      const body = op.body ? sampleBody(op.body, { member: org.user, target: org.user, principal: org.user, grantee: org.user, password: PASSWORD, protocols: ['imap'], domains: [org.domain], folder: 'INBOX', rights: 'lr', parent: '/' }) : undefined;
      const response = await api.call<ErrorBody>(op.method, path, org.readToken, body);
      (response.status === 403 && response.body.error.code === 'forbidden' ? refused : allowed).push(`${op.method} ${path}: ${response.status} ${response.text}`);
    }
    assert.deepEqual(allowed, []);
    assert.ok(refused.length === writes.length);
    // Nothing changed: the user is still there, enabled.
    assert.equal((await api.ok<{ disabled: boolean }>('GET', `/api/v1/users/${org.user}`, org.readToken)).disabled, false);
    const stronger = await api.call<ErrorBody>('POST', '/api/v1/tokens', org.readToken, { name: 'escalate', scopes: ['directory:write'] });
    assert.equal(stronger.status, 403);
    assert.equal(stronger.body.error.field, 'scopes');
    // An equal one is fine, and is the caller's own.
    const same = await api.ok<{ owner: string; scopes: string[] }>('POST', '/api/v1/tokens', org.readToken, { name: 'read-copy', scopes: ['directory:read'] });
    assert.deepEqual([same.owner, same.scopes], [org.admin, ['directory:read']]);
  });

  test('bad input is 400 naming the field; conflicts and plan limits are 409', async () => {
    const { api } = ctx;
    const expect400 = async (method: string, path: string, body: unknown, field: string | undefined) => {
      const response = await api.call<ErrorBody>(method, path, org.adminToken, body);
      assert.equal(response.status, 400, `${method} ${path}: ${response.text}`);
      assert.equal(response.body.error.code, 'invalid');
      assert.equal(response.body.error.field, field, response.text);
      assert.ok(response.body.error.message.length > 0);
    };
    await expect400('POST', '/api/v1/users', { address: `new@${org.domain}` }, 'password');
    await expect400('POST', '/api/v1/users', { address: `new@${org.domain}`, password: PASSWORD, quotaBytes: -1 }, 'quotaBytes');
    await expect400('POST', '/api/v1/users', { address: 'no-at-sign', password: PASSWORD }, 'address');
    await expect400('POST', '/api/v1/users', { address: `new@${org.domain}`, password: 'short' }, 'password');
    await expect400('GET', '/api/v1/users?limit=0', undefined, 'limit');
    await expect400('GET', '/api/v1/users?limit=many', undefined, 'limit');
    await expect400('POST', '/api/v1/groups', { address: `g@${org.domain}`, sendPolicy: 'everyone' }, 'sendPolicy');
    await expect400('PATCH', `/api/v1/users/${org.user}`, { disabled: 'perhaps' }, 'disabled');
    await expect400('POST', '/api/v1/tokens', { name: 'x', scopes: ['directory:read'], expiresAt: 'soon' }, 'expiresAt');
    await expect400('DELETE', '/api/v1/tokens/zero', undefined, 'id');
    // Malformed JSON and a body that is not JSON at all, through curl.
    const auth = ['-H', `Authorization: Bearer ${org.adminToken}`];
    const broken = curl(`${ctx.base}/api/v1/users`, [...auth, '-X', 'POST', '-H', 'content-type: application/json', '--data', '{"address": ']);
    assert.equal(broken.status, 400);
    assert.equal((JSON.parse(broken.body) as ErrorBody).error.code, 'invalid');
    const form = curl(`${ctx.base}/api/v1/users`, [...auth, '-X', 'POST', '--data', 'address=x']);
    assert.equal(form.status, 415);
    assert.equal((JSON.parse(form.body) as ErrorBody).error.code, 'unsupported_media_type');

    const duplicate = await api.call<ErrorBody>('POST', '/api/v1/users', org.adminToken, { address: org.user, password: PASSWORD });
    assert.deepEqual([duplicate.status, duplicate.body.error.code, duplicate.body.error.field], [409, 'conflict', 'address']);
    await api.ok('PATCH', `/api/v1/tenants/${org.tenantId}`, ctx.superToken, { maxUsers: 2 });
    const limited = await api.call<ErrorBody>('POST', '/api/v1/users', org.adminToken, { address: `third@${org.domain}`, password: PASSWORD });
    assert.deepEqual([limited.status, limited.body.error.code], [409, 'limit']);
    await api.ok('PATCH', `/api/v1/tenants/${org.tenantId}`, ctx.superToken, { maxUsers: 0 });
    // A tenant admin may read its tenant but not change its plan.
    const own = await api.call<ErrorBody>('PATCH', `/api/v1/tenants/${org.tenantId}`, org.adminToken, { maxUsers: 1000 });
    assert.deepEqual([own.status, own.body.error.code], [403, 'forbidden']);
    assert.equal((await api.call('GET', '/api/v1/nowhere', org.adminToken)).status, 404);
  });

  test('sessions: sign in with password and second factor, use the token as Bearer, sign out', async () => {
    const { api } = ctx;
    const login = 'mfa@' + org.domain;
    await api.ok('POST', '/api/v1/users', org.adminToken, { address: login, password: PASSWORD });
    const wrong = await api.call<ErrorBody>('POST', '/api/v1/session', undefined, { login, password: 'not the password' });
    assert.equal(wrong.status, 401);
    const missing = await api.call<ErrorBody>('POST', '/api/v1/session', undefined, { login });
    assert.deepEqual([missing.status, missing.body.error.field], [400, 'password']);

    const session = (await api.ok<{ token: string }>('POST', '/api/v1/session', '', { login, password: PASSWORD })).token;
    const whoami = await api.ok<{ actor: string; role: string; scopes: null }>('GET', '/api/v1/session', session);
    assert.deepEqual([whoami.actor, whoami.role, whoami.scopes], [login, 'user', null]);
    // A plain user may read the address list but administers nothing.
    assert.equal((await api.call('GET', '/api/v1/gal?q=acme', session)).status, 200);
    assert.equal((await api.call('GET', '/api/v1/users', session)).status, 403);

    const enrolment = await api.ok<{ secret: string }>('POST', '/api/v1/me/totp', session);
    const totp = new TOTP({ secret: enrolment.secret });
    const { recoveryCodes } = await api.ok<{ recoveryCodes: string[] }>('POST', '/api/v1/me/totp/confirm', session, { code: totp.generate() }, 200);
    assert.ok(recoveryCodes.length >= 5);
    const noCode = await api.call<ErrorBody>('POST', '/api/v1/session', undefined, { login, password: PASSWORD });
    assert.deepEqual([noCode.status, noCode.body.error.field], [400, 'totp']);
    const badCode = await api.call<ErrorBody>('POST', '/api/v1/session', undefined, { login, password: PASSWORD, totp: '000000' === totp.generate() ? '111111' : '000000' });
    assert.deepEqual([badCode.status, badCode.body.error.field], [400, 'totp']);
    const second = (await api.ok<{ token: string }>('POST', '/api/v1/session', '', { login, password: PASSWORD, totp: recoveryCodes[0] })).token;
    const sessions = await api.ok<{ items: { id: number }[] }>('GET', '/api/v1/me/sessions', second);
    assert.equal(sessions.items.length, 2);

    const out = curl(`${ctx.base}/api/v1/session`, ['-X', 'DELETE', '-H', `Authorization: Bearer ${second}`]);
    assert.equal(out.status, 204);
    assert.equal((await api.call('GET', '/api/v1/session', second)).status, 401);
    assert.equal((await api.call('GET', '/api/v1/session', session)).status, 200);
    // An API token is not a session: it is revoked, not signed out.
    assert.equal((await api.call('DELETE', '/api/v1/session', org.adminToken)).status, 400);
    const logins = await api.ok<{ items: { action: string; protocol: string }[] }>('GET', `/api/v1/audit?actor=${encodeURIComponent(login)}`, org.adminToken);
    assert.ok(logins.items.some((r) => r.action === 'login.success' && r.protocol === 'api'));
    assert.ok(logins.items.some((r) => r.action === 'login.failure'));
  });

  test('lists page by keyset with ?limit=&after=, search with ?q=, and the audit log exports as CSV', async () => {
    const { api } = ctx;
    for (let i = 0; i < 7; i++) await api.ok('POST', '/api/v1/users', org.adminToken, { address: `page${i}@${org.domain}`, password: PASSWORD, displayName: `Pager ${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = `?q=pager&limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const page: { items: { address: string }[]; next: string | null } = await api.ok('GET', `/api/v1/users${query}`, org.adminToken);
      seen.push(...page.items.map((u) => u.address));
      after = page.next;
      pages++;
    } while (after && pages < 10);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6].map((i) => `page${i}@${org.domain}`));
    assert.equal(pages, 3);

    // The DNS records carry this server's real ports (SRV, RFC 6186).
    const records = await api.ok<{ items: { name: string; type: string; value: string }[]; next: null }>('GET', `/api/v1/domains/${org.domain}/dns-records`, org.adminToken);
    const submission = records.items.find((r) => r.type === 'SRV' && r.name.startsWith('_submission._tcp.'));
    assert.match(submission?.value ?? '', new RegExp(` ${ctx.server.ports.submission} mx\\.petrel\\.test\\.$`));
    assert.equal(records.next, null);

    const groups = await api.ok<{ items: { address: string }[]; next: string | null }>('GET', '/api/v1/groups?limit=1', org.adminToken);
    assert.equal(groups.items.length, 1);

    const csv = curl(`${ctx.base}/api/v1/audit/export?format=csv&action=user.add`, ['-H', `Authorization: Bearer ${org.adminToken}`]);
    assert.equal(csv.status, 200);
    assert.match(csv.headers, /content-type: text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'id,at,tenant_id,actor,action,target,remote_address,protocol,details');
    assert.ok(lines.some((l) => l.includes(`page6@${org.domain}`) && l.includes(',api,')));
    assert.ok(lines.length >= 8);
    const jsonl = curl(`${ctx.base}/api/v1/audit/export?format=jsonl&action=user.add`, ['-H', `Authorization: Bearer ${org.adminToken}`]);
    assert.equal(jsonl.body.trim().split('\n').length, lines.length - 1);
    // The audit list pages too, newest first, without losing a record between pages.
    const all = await api.ok<{ items: { id: number }[] }>('GET', '/api/v1/audit?action=user.add&limit=1000', org.adminToken);
    const paged: number[] = [];
    let until: string | null = null;
    do {
      const page: { items: { id: number }[]; next: string | null } = await api.ok('GET', `/api/v1/audit?action=user.add&limit=3${until ? `&until=${until}` : ''}`, org.adminToken);
      paged.push(...page.items.map((r) => r.id));
      until = page.next;
    } while (until);
    assert.deepEqual(paged, all.items.map((r) => r.id));
  });
});
