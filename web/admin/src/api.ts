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
  constructor(readonly token: string) {}

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
    const ErrorType = response.status === 401 ? SignedOut : ApiError;
    throw new ErrorType(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status}`, error?.field);
  }
}

/** The page components' one prop. */
export interface PageProps {
  api: AdminApi;
}
