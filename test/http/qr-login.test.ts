// Sign-in by QR code over HTTP. Against a real `petrel serve`: the routes are in the OpenAPI
// document; a desktop's request approved by a signed-in user is collected once, as a session of
// that user; a wrong secret, a wrong code, an API token and no credentials are refused; a denial
// reaches the desktop. With the routes on an in-process server whose clock the test moves:
// requests expire after two minutes, approvals expire if not collected, and one address is
// rate-limited with Retry-After.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';

import { DEFAULT_PORTS } from '../../src/config/config.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { QR_COLLECT_WINDOW_MS, QR_LOGIN_LIFETIME_MS, QR_MAX_PER_ADDRESS } from '../../src/directory/qr-logins.ts';
import { addUser } from '../../src/directory/users.ts';
import { createWebSession } from '../../src/directory/web-sessions.ts';
import { requireCredentials } from '../../src/http/api/auth.ts';
import { apiErrorHandler } from '../../src/http/api/errors.ts';
import { qrApprovalRoutes, qrLoginRoutes } from '../../src/http/api/routes/qr-login.ts';
import type { Api } from '../../src/http/api/schemas.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { petrelOk } from '../helpers/petrel-process.ts';
import { ApiClient, curl, operations, startApiServer, type ApiServer, type OpenApiDocument } from './api-helpers.ts';

const PASSWORD = 'Qr-login-pass-42';

interface QrRequest {
  id: string;
  secret: string;
  code: string;
  approveUrl: string;
  expiresAt: string;
}

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

describe('sign-in by QR code over HTTP', () => {
  let ctx: ApiServer;
  let api: ApiClient;
  const sessions: Record<string, string> = {};

  before(async () => {
    ctx = await startApiServer();
    api = ctx.api;
    for (const domain of ['one.test', 'two.test']) petrelOk(['domain', 'add', domain, ...ctx.server.args]);
    for (const user of ['ann@one.test', 'bob@two.test']) {
      petrelOk(['user', 'add', user, '--password', PASSWORD, ...ctx.server.args]);
      sessions[user] = (await api.ok<{ token: string }>('POST', '/api/v1/session', '', { login: user, password: PASSWORD })).token;
    }
  });
  after(async () => ctx?.server.destroy());

  const start = () => api.ok<QrRequest>('POST', '/api/v1/session/qr', '');
  const poll = (request: QrRequest, secret = request.secret) => api.call<{ status: string; token?: string } & ErrorBody>('POST', '/api/v1/session/qr/poll', undefined, { id: request.id, secret });

  test('the routes are in the OpenAPI document; the desktop\'s need no credentials, the approver\'s do', async () => {
    const doc = await api.ok<OpenApiDocument & { paths: Record<string, Record<string, { security?: unknown[] }>> }>('GET', '/api/openapi.json', '');
    const documented = operations(doc).map((op) => `${op.method} ${op.path}`);
    for (const route of ['POST /api/v1/session/qr', 'POST /api/v1/session/qr/poll', 'GET /api/v1/session/qr/request', 'POST /api/v1/session/qr/approve', 'POST /api/v1/session/qr/deny']) {
      assert.ok(documented.includes(route), `${route} is documented`);
    }
    assert.deepEqual(doc.paths['/api/v1/session/qr'].post.security, []);
    assert.deepEqual(doc.paths['/api/v1/session/qr/poll'].post.security, []);
    assert.equal(doc.paths['/api/v1/session/qr/approve'].post.security, undefined, 'the default: bearer');
    const anonymous = curl(`${ctx.base}/api/v1/session/qr/approve`, ['-X', 'POST', '-H', 'content-type: application/json', '--data', '{"id":"x","code":"1"}']);
    assert.equal(anonymous.status, 401);
  });

  test('approved by a signed-in user, the desktop gets a session of that user, once', async () => {
    const request = await start();
    assert.match(request.code, /^\d{6}$/);
    assert.equal(request.approveUrl, `${ctx.base}/mail/#/approve/${request.id}`);
    assert.ok(!request.approveUrl.includes(request.code) && !request.approveUrl.includes(request.secret), 'the link carries neither the code nor the secret');
    assert.ok(Number.isFinite(Date.parse(request.expiresAt)));
    assert.deepEqual((await poll(request)).body, { status: 'pending' });

    const ann = sessions['ann@one.test'];
    const shown = await api.ok<{ status: string; remoteAddress: string; userAgent: string }>('GET', `/api/v1/session/qr/request?id=${request.id}`, ann);
    assert.deepEqual([shown.status, shown.remoteAddress], ['pending', '127.0.0.1']);
    assert.ok(!JSON.stringify(shown).includes(request.code));

    const wrong = await api.call<ErrorBody>('POST', '/api/v1/session/qr/approve', ann, { id: request.id, code: wrongCode(request.code) });
    assert.deepEqual([wrong.status, wrong.body.error.field], [400, 'code']);
    assert.deepEqual(await api.ok('POST', '/api/v1/session/qr/approve', ann, { id: request.id, code: request.code }, 200), { status: 'approved' });
    const again = await api.call<ErrorBody>('POST', '/api/v1/session/qr/approve', sessions['bob@two.test'], { id: request.id, code: request.code });
    assert.deepEqual([again.status, again.body.error.message], [409, 'this sign-in request has already been approved']);

    const refused = await poll(request, `${request.secret.slice(0, -2)}xx`);
    assert.deepEqual([refused.status, refused.body.error?.code], [404, 'not_found'], 'a wrong secret collects nothing');
    const collected = await poll(request);
    assert.equal(collected.body.status, 'approved');
    const token = collected.body.token!;
    assert.ok(token && token !== ann, 'a new session, not the approver\'s own');
    assert.equal((await api.ok<{ actor: string }>('GET', '/api/v1/session', token)).actor, 'ann@one.test');
    const jmap = await fetch(`${ctx.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await jmap.json()) as { username: string }).username, 'ann@one.test', 'the session opens the approver\'s mail');

    assert.deepEqual((await poll(request)).body, { status: 'used' }, 'the second poll gets no token');
    const audit = await api.ok<{ items: { actor: string; details: Record<string, unknown> }[] }>('GET', '/api/v1/audit?action=login.success&limit=5', ctx.superToken);
    assert.ok(audit.items.some((r) => r.actor === 'ann@one.test' && r.details.via === 'qr code'));
  });

  test('whoever approves, the session is theirs: another tenant\'s user signs the desktop in as themselves', async () => {
    const request = await start();
    await api.ok('POST', '/api/v1/session/qr/approve', sessions['bob@two.test'], { id: request.id, code: request.code }, 200);
    const { token } = (await poll(request)).body;
    assert.equal((await api.ok<{ actor: string }>('GET', '/api/v1/session', token!)).actor, 'bob@two.test');
  });

  test('an API token cannot approve (it would mint a session), and a denial reaches the desktop', async () => {
    const request = await start();
    for (const [method, path, body] of [
      ['GET', `/api/v1/session/qr/request?id=${request.id}`, undefined],
      ['POST', '/api/v1/session/qr/approve', { id: request.id, code: request.code }],
      ['POST', '/api/v1/session/qr/deny', { id: request.id }],
    ] as const) {
      const response = await api.call<ErrorBody>(method, path, ctx.superToken, body);
      assert.deepEqual([response.status, response.body.error.code], [403, 'forbidden'], `${method} ${path}`);
    }
    assert.deepEqual((await poll(request)).body, { status: 'pending' });
    assert.deepEqual(await api.ok('POST', '/api/v1/session/qr/deny', sessions['ann@one.test'], { id: request.id }, 200), { status: 'denied' });
    assert.deepEqual((await poll(request)).body, { status: 'denied' });
    const late = await api.call<ErrorBody>('POST', '/api/v1/session/qr/approve', sessions['ann@one.test'], { id: request.id, code: request.code });
    assert.deepEqual([late.status, late.body.error.message], [409, 'this sign-in request was denied']);
    const unknown = await api.call<ErrorBody>('GET', '/api/v1/session/qr/request?id=nosuchrequest', sessions['ann@one.test']);
    assert.equal(unknown.status, 404);
  });
});

describe('sign-in by QR code over HTTP, with a clock the test moves', () => {
  let store: Store;
  let dir: string;
  let app: FastifyInstance;
  let api: ApiClient;
  let session: string;
  let t = Date.now();
  const clock = () => t;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-qr-'));
    store = await openStore({ dataDir: dir, database: 'sqlite' });
    await addDomain(store.db, 'clock.test');
    const ann = await addUser(store.db, { address: 'ann@clock.test', password: PASSWORD });
    // Sessions are checked on the real clock; only the QR routes run on the test's.
    session = (await createWebSession(store.db, ann.id)).token;
    app = Fastify();
    const deps = { db: store.db, server: { hostname: 'mx.clock.test', ports: DEFAULT_PORTS } };
    await app.register(
      async (scope) => {
        const v1: Api = scope.withTypeProvider<TypeBoxTypeProvider>();
        v1.setErrorHandler(apiErrorHandler(() => {}));
        qrLoginRoutes(v1, deps, clock);
        await v1.register(async (authenticated: Api) => {
          authenticated.addHook('onRequest', requireCredentials(store.db));
          qrApprovalRoutes(authenticated, deps, clock);
        });
      },
      { prefix: '/api/v1' },
    );
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    api = new ApiClient(address);
  });

  after(async () => {
    await app?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => api.ok<QrRequest>('POST', '/api/v1/session/qr', '');
  const poll = (request: QrRequest) => api.ok<{ status: string; token?: string }>('POST', '/api/v1/session/qr/poll', '', { id: request.id, secret: request.secret }, 200);

  test('a request not approved within two minutes expires and can no longer be approved', async () => {
    const request = await start();
    assert.equal(Date.parse(request.expiresAt), t + QR_LOGIN_LIFETIME_MS);
    t += QR_LOGIN_LIFETIME_MS - 1;
    assert.deepEqual(await poll(request), { status: 'pending' });
    t += 1;
    assert.deepEqual(await poll(request), { status: 'expired' });
    const late = await api.call<ErrorBody>('POST', '/api/v1/session/qr/approve', session, { id: request.id, code: request.code });
    assert.deepEqual([late.status, late.body.error.message], [409, 'this sign-in request has expired']);
    assert.equal((await api.ok<{ status: string }>('GET', `/api/v1/session/qr/request?id=${request.id}`, session)).status, 'expired');
  });

  test('an approval not collected within half a minute gives no session', async () => {
    const request = await start();
    await api.ok('POST', '/api/v1/session/qr/approve', session, { id: request.id, code: request.code }, 200);
    t += QR_COLLECT_WINDOW_MS;
    assert.deepEqual(await poll(request), { status: 'expired' });
  });

  test('one address starting too many requests is told to wait, with Retry-After', async () => {
    t += QR_LOGIN_LIFETIME_MS;
    for (let i = 0; i < QR_MAX_PER_ADDRESS; i++) await start();
    t += 30_000;
    const refused = await api.call<ErrorBody>('POST', '/api/v1/session/qr');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.equal(refused.headers.get('retry-after'), String((QR_LOGIN_LIFETIME_MS - 30_000) / 1000));
    t += QR_LOGIN_LIFETIME_MS - 30_000;
    await start();
  });
});
