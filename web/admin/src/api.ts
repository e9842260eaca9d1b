// The admin console's only way to the server: the public admin API (/api/v1, OpenAPI at
// /api/openapi.json) with the bearer token of an admin's web session (POST /api/v1/session).

/** A refused request, with the API's error body: code, message and (for 400) the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The token was refused or the session ended: the admin must sign in again. */
export class SignedOut extends ApiError {}

export type Query = Record<string, string | number | boolean | undefined | null>;

export class AdminApi {
  /** `onSignedOut` is told when the server no longer accepts the token, whichever page asked. */
  constructor(
    readonly token: string,
    private readonly onSignedOut?: () => void,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.send<T>('GET', path, undefined, query);
  }

  /** One call to /api/v1<path>; answers the parsed JSON body, or throws ApiError. */
  async send<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, query?: Query): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    const response = await fetch(`/api/v1${path}${search}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    if (response.status === 401) this.onSignedOut?.();
    const ErrorType = response.status === 401 ? SignedOut : ApiError;
    throw new ErrorType(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status}`, error?.field);
  }
}

/** The page components' one prop. */
export interface PageProps {
  api: AdminApi;
}

/** Who the session acts as (GET /api/v1/session). */
export interface Whoami {
  actor: string;
  role: 'super-admin' | 'tenant-admin' | 'domain-admin' | 'user';
  tenantId: number | null;
  domainIds: number[];
  scopes: string[] | null;
}

/** A keyset page: `next` is the cursor of the following page, null on the last. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export type LoginResult = { token: string } | { needTotp: true; error?: string } | { error: string };

/** POST /api/v1/session: a token, a request for the second factor, or why not, in plain words. */
export async function signIn(login: string, password: string, totp: string | null): Promise<LoginResult> {
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(totp ? { login, password, totp } : { login, password }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string; field?: string } };
  if (response.ok && body.token) return { token: body.token };
  if (body.error?.field === 'totp') return { needTotp: true, error: totp ? 'That code was not accepted.' : undefined };
  if (response.status === 401) return { error: 'Wrong login or password.' };
  return { error: body.error?.message ?? `Sign-in failed (HTTP ${response.status}).` };
}

/** Ends the session on the server; the page forgets the token whatever the answer. */
export async function signOut(token: string): Promise<void> {
  await fetch('/api/v1/session', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}

/** A path segment: addresses and unit paths (Sales/EMEA) travel URL-encoded. */
export const seg = (value: string | number): string => encodeURIComponent(String(value));
