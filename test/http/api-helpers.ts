// A small client for the admin API tests: JSON over node's fetch, curl for a second opinion, and the
// set-up both test files share (a server with two organisations, made through the API itself).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

export const PASSWORD = 'Correct-Horse-42-battery';
export const ALL_SCOPES = ['directory:read', 'directory:write', 'audit:read', 'tenants:write'];

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export type Json = Record<string, unknown>;

export class ApiClient {
  constructor(readonly base: string) {}

  async call<T = Json>(method: string, path: string, token?: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed: unknown = null;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** The call must succeed with `status`; the body is returned. */
  async ok<T = Json>(method: string, path: string, token: string, body?: unknown, status = method === 'POST' ? 201 : 200): Promise<T> {
    const response = await this.call<T>(method, path, token, body);
    assert.equal(response.status, status, `${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  }
}

export interface CurlResult {
  status: number;
  headers: string;
  body: string;
}

/** curl, as an operator's script would call the API (-i: the head comes first on standard output). */
export function curl(url: string, args: string[] = []): CurlResult {
  const result = spawnSync('curl', ['-sS', '-i', '--max-time', '20', '-w', '\n%{http_code}', ...args, url], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `curl ${url}: ${result.stderr}`);
  const cut = result.stdout.lastIndexOf('\n');
  const response = result.stdout.slice(0, cut);
  const headEnd = response.indexOf('\r\n\r\n');
  return { status: Number(result.stdout.slice(cut + 1)), headers: response.slice(0, headEnd + 2).toLowerCase(), body: response.slice(headEnd + 4) };
}

export interface ApiServer {
  server: RunningPetrel;
  api: ApiClient;
  base: string;
  /** The super-admin `admin`'s token with every scope, made with `petrel token create`. */
  superToken: string;
}

export async function startApiServer(options: { database?: string } = {}): Promise<ApiServer> {
  const http = await freePort();
  const server = await startPetrel({ database: options.database, extraArgs: ['--http-port', String(http)] });
  const base = `http://127.0.0.1:${http}`;
  const superToken = petrelOk(['token', 'create', '--login', 'admin', '--name', 'setup', ...ALL_SCOPES.flatMap((s) => ['--scope', s]), ...server.args]).trim();
  return { server, api: new ApiClient(base), base, superToken };
}

/** One organisation's objects, by the names the routes take. */
export interface Org {
  tenantId: number;
  tenant: string;
  domain: string;
  domainAlias: string;
  admin: string;
  user: string;
  userId: number;
  group: string;
  groupId: number;
  alias: string;
  shared: string;
  unit: string;
  selector: string;
  /** Tokens of the organisation's tenant admin: every scope, and directory:read only. */
  adminToken: string;
  readToken: string;
  adminTokenId: number;
  /** The user's own web session and one of its app passwords. */
  userSession: string;
  userSessionId: number;
  appPasswordId: number;
}

/** Makes an organisation through the API as the super-admin: tenant, domain, admin, user, group, alias, shared mailbox, unit. */
export async function makeOrg(api: ApiClient, superToken: string, name: string, unit: string): Promise<Org> {
  const domain = `${name}.test`;
  const tenant = await api.ok<{ id: number }>('POST', '/api/v1/tenants', superToken, { name: `${name}corp` });
  await api.ok('POST', '/api/v1/domains', superToken, { name: domain, tenant: tenant.id });
  await api.ok('POST', `/api/v1/domains/${domain}/aliases`, superToken, { alias: `${name}-alias.test` });
  const admin = `admin@${domain}`;
  const user = `${name}user@${domain}`;
  await api.ok('POST', '/api/v1/users', superToken, { address: admin, password: PASSWORD, displayName: `${name} admin` });
  const created = await api.ok<{ id: number }>('POST', '/api/v1/users', superToken, { address: user, password: PASSWORD, displayName: `${name} user` });
  await api.ok('PUT', `/api/v1/admins/${admin}`, superToken, { role: 'tenant-admin' });
  const group = await api.ok<{ id: number }>('POST', '/api/v1/groups', superToken, { address: `team@${domain}`, members: [user] });
  await api.ok('POST', '/api/v1/aliases', superToken, { alias: `other@${domain}`, target: user });
  await api.ok('POST', '/api/v1/shared', superToken, { address: `support@${domain}`, members: [user] });
  await api.ok('POST', '/api/v1/units', superToken, { path: unit, tenant: tenant.id });
  const info = await api.ok<{ dkimKeys: { selector: string }[] }>('GET', `/api/v1/domains/${domain}`, superToken);
  const adminToken = await api.ok<{ token: string; id: number }>('POST', '/api/v1/tokens', superToken, { login: admin, name: 'admin', scopes: ALL_SCOPES });
  const readToken = await api.ok<{ token: string }>('POST', '/api/v1/tokens', superToken, { login: admin, name: 'read', scopes: ['directory:read'] });
  const session = await api.ok<{ token: string }>('POST', '/api/v1/session', '', { login: user, password: PASSWORD });
  const sessions = await api.ok<{ items: { id: number }[] }>('GET', '/api/v1/me/sessions', session.token);
  const appPassword = await api.ok<{ id: number }>('POST', '/api/v1/me/app-passwords', session.token, { name: 'phone', protocols: ['imap'] });
  return {
    tenantId: tenant.id,
    tenant: `${name}corp`,
    domain,
    domainAlias: `${name}-alias.test`,
    admin,
    user,
    userId: created.id,
    group: `team@${domain}`,
    groupId: group.id,
    alias: `other@${domain}`,
    shared: `support@${domain}`,
    unit,
    selector: info.dkimKeys[0].selector,
    adminToken: adminToken.token,
    readToken: readToken.token,
    adminTokenId: adminToken.id,
    userSession: session.token,
    userSessionId: sessions.items[0].id,
    appPasswordId: appPassword.id,
  };
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  minLength?: number;
  minimum?: number;
  minItems?: number;
}

export interface Operation {
  method: string;
  /** As in the document: /api/v1/users/{user}. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Query parameters the route cannot do without: such a GET looks one object up, it lists nothing. */
  requiredQuery: string[];
  body: JsonSchema | null;
}

export function operations(doc: OpenApiDocument): Operation[] {
  const found: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = op.parameters ?? [];
      found.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        requiredQuery: parameters.filter((p) => p.in === 'query' && p.required === true).map((p) => p.name),
        body: op.requestBody?.content['application/json']?.schema ?? null,
      });
    }
  }
  return found;
}

/**
 * The smallest body the schema accepts, with `values` for the fields that name something
 * (members, targets): a request must get past validation for its authorisation to be tested.
 */
export function sampleBody(schema: JsonSchema, values: Record<string, unknown>, name = ''): unknown {
  if (name in values) return values[name];
  if (schema.anyOf) return sampleBody(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0], values, name);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sampleBody(s, values)));
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key) => [key, sampleBody(schema.properties?.[key] ?? {}, values, key)]));
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return schema.minItems ? [sampleBody(schema.items ?? {}, values, name)] : [];
    default:
      return null;
  }
}
