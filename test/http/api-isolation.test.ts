// The isolation matrix over HTTP: two organisations on one server; tenant A's administrator calls
// every route of the OpenAPI document that names an object, with tenant B's ids and names, and
// must get 404 (never 403, so nothing can be probed), while B's objects stay untouched; every
// list A's administrator can read holds nothing of B's. The routes come from the document, so a
// route added later is in the matrix without anyone remembering to add it. On both dialects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTestDatabase, POSTGRES_SKIP_MESSAGE } from '../helpers/postgres.ts';
import { ALL_SCOPES, makeOrg, operations, PASSWORD, sampleBody, startApiServer, type ApiServer, type OpenApiDocument, type Operation, type Org } from './api-helpers.ts';

/** The value for a path parameter, for one organisation: which id an `{id}` is depends on the route. */
function paramValue(op: Operation, param: string, org: Org, byId: boolean): string {
  const ids: Record<string, number> = {
    '/api/v1/tenants/{id}': org.tenantId,
    '/api/v1/tokens/{id}': org.adminTokenId,
    '/api/v1/me/sessions/{id}': org.userSessionId,
    '/api/v1/me/app-passwords/{id}': org.appPasswordId,
    '/api/v1/users/{user}/sessions/{id}': org.userSessionId,
    '/api/v1/users/{user}/app-passwords/{id}': org.appPasswordId,
  };
  switch (param) {
    case 'id':
      if (!(op.path in ids)) throw new Error(`the matrix does not know which id ${op.path} takes; add it`);
      return String(ids[op.path]);
    case 'domain':
      return org.domain;
    case 'alias':
      return op.path.startsWith('/api/v1/domains/') ? org.domainAlias : org.alias;
    case 'user':
    case 'principal':
      return byId ? String(org.userId) : org.user;
    case 'group':
      return byId ? String(org.groupId) : org.group;
    case 'member':
      return org.user;
    case 'address':
      return org.shared;
    case 'selector':
      return org.selector;
    case 'path':
      return org.unit;
    default:
      throw new Error(`the matrix has no value for {${param}} of ${op.method} ${op.path}; add one`);
  }
}

function url(op: Operation, org: Org, byId: boolean, query: Record<string, string> = {}): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(paramValue(op, name, org, byId)));
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

/** Fields of request bodies that name something: always tenant A's own, so only the URL points at B. */
function bodyValues(a: Org): Record<string, unknown> {
  return {
    member: a.user,
    target: a.user,
    principal: a.user,
    grantee: a.user,
    alias: `second-${a.domainAlias}`,
    password: PASSWORD,
    protocols: ['imap'],
    domains: [a.domain],
    path: a.unit,
    parent: '/',
    folder: 'INBOX',
    rights: 'lr',
  };
}

const postgres = await createTestDatabase();
if (!postgres) process.stderr.write(`\n*** ${POSTGRES_SKIP_MESSAGE} ***\n`);

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`admin API: tenant isolation over HTTP [${dialect}]`, { skip: dialect === 'postgres' && !postgres ? POSTGRES_SKIP_MESSAGE : false }, () => {
    let ctx: ApiServer;
    let a: Org;
    let b: Org;
    let ops: Operation[];

    before(async () => {
      ctx = await startApiServer({ database: dialect === 'postgres' ? postgres?.url : undefined });
      a = await makeOrg(ctx.api, ctx.superToken, 'a', 'Sales');
      b = await makeOrg(ctx.api, ctx.superToken, 'b', 'Research');
      const doc = await ctx.api.ok<OpenApiDocument>('GET', '/api/openapi.json', '');
      ops = operations(doc);
    });
    after(async () => {
      await ctx?.server.destroy();
      if (dialect === 'postgres') await postgres?.drop();
    });

    test('every route that names an object answers 404 to another tenant\'s admin, by name and by id', async () => {
      const targeted = ops.filter((op) => op.pathParams.length > 0);
      assert.ok(targeted.length >= 40, `only ${targeted.length} routes take an id or name`);
      const failures: string[] = [];
      let calls = 0;
      for (const op of targeted) {
        const forms = op.pathParams.some((p) => p === 'user' || p === 'group' || p === 'principal') ? [false, true] : [false];
        for (const byId of forms) {
          const path = url(op, b, byId);
          const body = op.body ? sampleBody(op.body, bodyValues(a)) : undefined;
          const response = await ctx.api.call(op.method, path, a.adminToken, body);
          calls++;
          // A 404 for a route that does not exist would prove nothing: the refusal is the object's.
          const refused = response.status === 404 && response.text.includes('"code":"not_found"') && !response.text.includes('no route');
          if (!refused) failures.push(`${op.method} ${path}: ${response.status} ${response.text}`);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${calls} calls did not answer 404`);
    });

    test('naming the other tenant in ?tenant= is 404 too', async () => {
      const failures: string[] = [];
      const withTenant = ops.filter((op) => op.queryParams.includes('tenant'));
      assert.ok(withTenant.length >= 8, `only ${withTenant.length} routes take ?tenant=`);
      for (const op of withTenant) {
        const path = url(op, a, false, { tenant: String(b.tenantId) });
        const body = op.body ? sampleBody(op.body, bodyValues(a)) : undefined;
        const response = await ctx.api.call(op.method, path, a.adminToken, body);
        if (response.status !== 404) failures.push(`${op.method} ${path}: ${response.status} ${response.text}`);
      }
      assert.deepEqual(failures, []);
      // And in a body: creating in the other tenant.
      for (const [path, body] of [
        ['/api/v1/domains', { name: 'sneaky.test', tenant: b.tenantId }],
        ['/api/v1/units', { path: 'Sneaky', tenant: b.tenantId }],
        ['/api/v1/users', { address: `sneaky@${b.domain}`, password: PASSWORD }],
        ['/api/v1/groups', { address: `sneaky@${b.domain}` }],
        ['/api/v1/aliases', { alias: `sneaky@${a.domain}`, target: b.user }],
        ['/api/v1/groups', { address: `sneaky@${a.domain}`, members: [b.user] }],
      ] as const) {
        const response = await ctx.api.call('POST', path, a.adminToken, body);
        assert.equal(response.status, 404, `POST ${path} ${JSON.stringify(body)}: ${response.status} ${response.text}`);
      }
    });

    test('the same routes work for the admin\'s own objects (the 404s are about the tenant, not broken routes)', async () => {
      const failures: string[] = [];
      for (const op of ops.filter((o) => o.method === 'GET' && o.pathParams.length > 0)) {
        const path = url(op, a, false);
        const response = await ctx.api.call(op.method, path, a.adminToken);
        if (response.status !== 200) failures.push(`${op.method} ${path}: ${response.status} ${response.text}`);
      }
      assert.deepEqual(failures, []);
    });

    test('tenant B is untouched by all of it', async () => {
      const { api, superToken } = ctx;
      const user = await api.ok<{ address: string; disabled: boolean; displayName: string }>('GET', `/api/v1/users/${b.user}`, superToken);
      assert.deepEqual([user.address, user.disabled, user.displayName], [b.user, false, 'b user']);
      assert.deepEqual((await api.ok<{ members: string[] }>('GET', `/api/v1/groups/${b.group}`, superToken)).members, [b.user]);
      assert.equal((await api.ok<{ aliasOf: string | null }>('GET', `/api/v1/domains/${b.domainAlias}`, superToken)).aliasOf, b.domain);
      assert.deepEqual((await api.ok<{ members: { address: string }[] }>('GET', `/api/v1/shared/${b.shared}`, superToken)).members.map((m) => m.address), [b.user]);
      assert.ok((await api.ok<{ items: { alias: string }[] }>('GET', `/api/v1/aliases?domain=${b.domain}`, superToken)).items.some((x) => x.alias === b.alias));
      assert.equal((await api.ok<{ items: { path: string }[] }>('GET', `/api/v1/units?tenant=${b.tenantId}`, superToken)).items[0].path, b.unit);
      // B's credentials all still open the door.
      assert.equal((await api.call('GET', '/api/v1/session', b.adminToken)).status, 200);
      assert.equal((await api.call('GET', '/api/v1/me/sessions', b.userSession)).status, 200);
      assert.equal((await api.ok<{ items: { id: number }[] }>('GET', `/api/v1/users/${b.user}/app-passwords`, superToken)).items[0].id, b.appPasswordId);
    });

    test('no list tenant A\'s admin can read holds anything of tenant B', async () => {
      const lists = ops.filter((op) => op.method === 'GET' && op.pathParams.length === 0 && op.requiredQuery.length === 0 && op.path !== '/api/openapi.json');
      assert.ok(lists.length >= 15, `only ${lists.length} lists`);
      const leaks: string[] = [];
      for (const op of lists) {
        for (const query of [{}, { q: 'b' }, { limit: '500' }] as Record<string, string>[]) {
          const search = new URLSearchParams(op.queryParams.includes('q') || op.queryParams.includes('limit') ? query : {}).toString();
          const path = search ? `${op.path}?${search}` : op.path;
          const response = await ctx.api.call('GET', path, a.adminToken);
          assert.equal(response.status, 200, `${path}: ${response.status} ${response.text}`);
          for (const secret of [b.domain, b.tenant, b.domainAlias, `"tenantId":${b.tenantId},`]) {
            if (response.text.includes(secret)) leaks.push(`${path} shows ${secret}`);
          }
        }
      }
      assert.deepEqual(leaks, []);
      // The check can see a leak: the super-admin's lists do hold B's objects.
      const all = await ctx.api.call('GET', '/api/v1/users?q=b.test', ctx.superToken);
      assert.ok(all.text.includes(b.user), all.text);
    });

    test('a domain admin of A sees only its own domain\'s users, and another domain of A is not_found', async () => {
      const { api, superToken } = ctx;
      await api.ok('POST', '/api/v1/domains', superToken, { name: 'a2.test', tenant: a.tenantId });
      await api.ok('POST', '/api/v1/users', superToken, { address: 'carol@a2.test', password: PASSWORD });
      await api.ok('POST', '/api/v1/users', superToken, { address: 'deputy@a.test', password: PASSWORD });
      await api.ok('PUT', '/api/v1/admins/deputy@a.test', a.adminToken, { role: 'domain-admin', domains: ['a2.test'] });
      const token = (await api.ok<{ token: string }>('POST', '/api/v1/tokens', superToken, { login: 'deputy@a.test', name: 'deputy', scopes: ALL_SCOPES })).token;
      const users = await api.ok<{ items: { address: string }[] }>('GET', '/api/v1/users', token);
      assert.deepEqual(users.items.map((u) => u.address), ['carol@a2.test']);
      assert.equal((await api.call('GET', `/api/v1/users/${a.user}`, token)).status, 404);
      assert.equal((await api.call('GET', `/api/v1/domains/${a.domain}`, token)).status, 404);
      assert.equal((await api.call('GET', `/api/v1/users/${b.user}`, token)).status, 404);
    });
  });
}
