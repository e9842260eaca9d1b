import { createHash } from 'node:crypto';

import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';

import { authenticate } from '../directory/authenticate.ts';
import type { LoginThrottle } from '../directory/login-throttle.ts';
import { findActivePrincipal } from '../directory/users.ts';
import { verifyWebSession } from '../directory/web-sessions.ts';
import type { Database } from '../store/schema.ts';

/** Who a JMAP request acts as. */
export interface JmapPrincipal {
  id: number;
  /** The name the Session object reports as `username`. */
  username: string;
}

export interface JmapAuthDeps {
  db: Kysely<Database>;
  throttle: LoginThrottle;
  cache: BasicAuthCache;
}

const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

/**
 * Recently verified Basic credentials. A JMAP client sends its password with every request, and
 * an Argon2id check per request would cost more than the request itself; a minute's cache keyed
 * by the credentials' SHA-256 (never the password) keeps one check per client per minute. A
 * password change or a disabled account takes effect within that minute.
 */
export class BasicAuthCache {
  private readonly entries = new Map<string, { principal: JmapPrincipal; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  static key(credentials: string): string {
    return createHash('sha256').update(credentials).digest('hex');
  }

  get(key: string): JmapPrincipal | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.principal;
  }

  set(key: string, principal: JmapPrincipal): void {
    if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { principal, until: this.now() + CACHE_TTL_MS });
  }
}

/** What a client without valid credentials is told to send (RFC 7617 §2). */
export const WWW_AUTHENTICATE = 'Basic realm="Petrel", charset="UTF-8"';

function decodeBasic(value: string): { login: string; password: string } | null {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function principalName(db: Kysely<Database>, id: number): Promise<JmapPrincipal | null> {
  const principal = await findActivePrincipal(db, id);
  return principal && { id: principal.id, username: principal.login ?? String(principal.id) };
}

/**
 * The principal behind a JMAP request (RFC 8620 §1.5 leaves the method to the server): HTTP Basic
 * with the password or an app password, checked and audited like an IMAP login and slowed by the
 * same per-address throttle, or a Bearer token of a webmail session. Null: answer 401.
 */
export async function authenticateJmapRequest(request: FastifyRequest, deps: JmapAuthDeps): Promise<JmapPrincipal | null> {
  const header = request.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const credentials = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme.toLowerCase() === 'bearer') {
    const session = await verifyWebSession(deps.db, credentials);
    return session ? principalName(deps.db, session.principalId) : null;
  }
  if (scheme.toLowerCase() !== 'basic') return null;
  const key = BasicAuthCache.key(credentials);
  const cached = deps.cache.get(key);
  if (cached) return cached;
  const basic = decodeBasic(credentials);
  if (!basic) return null;
  const principal = await authenticate(deps.db, basic.login, basic.password, { protocol: 'jmap', remoteAddress: request.ip });
  if (!principal) {
    const delay = deps.throttle.fail(request.ip);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return null;
  }
  deps.throttle.succeed(request.ip);
  const result = { id: principal.id, username: principal.login ?? basic.login };
  deps.cache.set(key, result);
  return result;
}
