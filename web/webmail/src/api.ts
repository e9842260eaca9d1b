// The webmail's only ways to the server, both public: the web login (POST /api/v1/session, which
// answers a bearer token, or /api/v1/session/qr, approved from another signed-in device) and JMAP
// (RFC 8620) with that token.

export const MAIL = 'urn:ietf:params:jmap:mail';
const USING = ['urn:ietf:params:jmap:core', MAIL];

export type Invocation = [string, Record<string, unknown>, string];

/** The credentials were refused or have expired: the user must sign in again. */
export class SignedOut extends Error {}

export interface LoginResult {
  token?: string;
  /** The server asks for a second factor (field "totp"), or refused the one given. */
  needTotp?: boolean;
  error?: string;
}

interface ApiError {
  error?: { code?: string; message?: string; field?: string };
}

export async function signIn(login: string, password: string, totp: string | null): Promise<LoginResult> {
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(totp ? { login, password, totp } : { login, password }),
  });
  const body = (await response.json().catch(() => ({}))) as ApiError & { token?: string };
  if (response.ok && body.token) return { token: body.token };
  if (body.error?.field === 'totp') return { needTotp: true, error: totp ? 'That code was not accepted.' : undefined };
  if (response.status === 401) return { error: 'Wrong email address or password.' };
  return { error: body.error?.message ?? `Sign-in failed (HTTP ${response.status}).` };
}

export async function signOut(token: string): Promise<void> {
  await fetch('/api/v1/session', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}

/** A refusal of the API, in the words of its error body. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    /** Seconds to wait, when the server said (429 Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

async function apiCall<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  if (response.status === 401 && options.token) throw new SignedOut('session expired');
  const body = (await response.json().catch(() => ({}))) as ApiError;
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    throw new ApiFailure(response.status, body.error?.message ?? `HTTP ${response.status}`, body.error?.field, retryAfter);
  }
  return body as T;
}

/** A desktop's request to be signed in from a phone (POST /api/v1/session/qr). */
export interface QrRequest {
  id: string;
  /** Stays in this tab: it is what collects the session. */
  secret: string;
  code: string;
  approveUrl: string;
  expiresAt: string;
}

export type QrStatus = 'pending' | 'approved' | 'used' | 'denied' | 'expired';

export function startQrLogin(): Promise<QrRequest> {
  return apiCall<QrRequest>('POST', '/session/qr');
}

export function pollQrLogin(request: QrRequest): Promise<{ status: QrStatus; token?: string }> {
  return apiCall('POST', '/session/qr/poll', { body: { id: request.id, secret: request.secret } });
}

/** What the approving device is shown about a request. */
export interface QrRequestInfo {
  id: string;
  status: QrStatus;
  remoteAddress: string | null;
  userAgent: string | null;
  createdAt: string;
  expiresAt: string;
}

export function describeQrLogin(token: string, id: string): Promise<QrRequestInfo> {
  return apiCall('GET', `/session/qr/request?id=${encodeURIComponent(id)}`, { token });
}

export async function approveQrLogin(token: string, id: string, code: string): Promise<void> {
  await apiCall('POST', '/session/qr/approve', { token, body: { id, code } });
}

export async function denyQrLogin(token: string, id: string): Promise<void> {
  await apiCall('POST', '/session/qr/deny', { token, body: { id } });
}

/** Who a session token signs in as. */
export async function whoAmI(token: string): Promise<string> {
  return (await apiCall<{ actor: string }>('GET', '/session', { token })).actor;
}

export interface Session {
  apiUrl: string;
  eventSourceUrl: string;
  username: string;
  primaryAccounts: Record<string, string>;
}

/** A JMAP client for one signed-in user: the Session resource, then method calls to its apiUrl. */
export class Jmap {
  private constructor(
    readonly token: string,
    readonly session: Session,
  ) {}

  static async connect(token: string): Promise<Jmap> {
    const response = await fetch('/.well-known/jmap', { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 401) throw new SignedOut('session expired');
    if (!response.ok) throw new Error(`JMAP session: HTTP ${response.status}`);
    return new Jmap(token, (await response.json()) as Session);
  }

  get accountId(): string {
    return this.session.primaryAccounts[MAIL];
  }

  /** One request of several method calls (RFC 8620 §3.3); each answer is checked for an error response. */
  async request(calls: Invocation[]): Promise<Record<string, unknown>[]> {
    const response = await fetch(this.session.apiUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ using: USING, methodCalls: calls }),
    });
    if (response.status === 401) throw new SignedOut('session expired');
    if (!response.ok) throw new Error(`JMAP request: HTTP ${response.status}`);
    const { methodResponses } = (await response.json()) as { methodResponses: Invocation[] };
    return methodResponses.map(([name, args]) => {
      if (name === 'error') throw new Error(`JMAP ${String(args.type)}: ${String(args.description ?? '')}`);
      return args;
    });
  }
}
