// Who is calling: an API token (`ptk_...`) or a web session token, both as `Authorization: Bearer`
// (RFC 6750 §2.1). Either one becomes the AdminContext every admin function takes.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';

import { actorForPrincipal } from '../../admin/actor.ts';
import { SCOPES, type AdminContext, type Scope } from '../../admin/context.ts';
import { looksLikeApiToken, tokenScopes, verifyApiToken } from '../../directory/api-tokens.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { findUserById } from '../../directory/users.ts';
import { verifyWebSession } from '../../directory/web-sessions.ts';
import type { Database, Principal } from '../../store/schema.ts';
import { Unauthenticated } from './errors.ts';

export interface Credential {
  ctx: AdminContext;
  /** Set when the caller signed in with a session (DELETE /session ends it). */
  sessionId: number | null;
}

const credentials = new WeakMap<FastifyRequest, Credential>();

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw new Unauthenticated('credentials required: Authorization: Bearer <API token or session token>', false);
  // Another scheme (Basic, say) is no attempt at a bearer token, so no error code (RFC 6750 §3.1).
  if (!/^Bearer /i.test(header)) throw new Unauthenticated('the Authorization header must be "Bearer <token>"', false);
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match) throw new Unauthenticated('the Authorization header must be "Bearer <token>"', true);
  return match[1];
}

function scopeSet(names: readonly string[]): ReadonlySet<Scope> {
  return new Set(SCOPES.filter((s) => names.includes(s)));
}

async function sessionPrincipal(db: Kysely<Database>, principalId: number): Promise<Principal | null> {
  try {
    return await findUserById(db, principalId);
  } catch (err) {
    if (err instanceof DirectoryError && err.code === 'not_found') return null;
    throw err;
  }
}

/** onRequest hook: runs before the body is read, so an anonymous caller learns nothing about its input. */
export function requireCredentials(db: Kysely<Database>) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    const context = (actor: AdminContext['actor']): AdminContext => ({ db, actor, remoteAddress: request.ip, via: 'api' });
    if (looksLikeApiToken(token)) {
      const found = await verifyApiToken(db, token);
      if (!found) throw new Unauthenticated('the API token is unknown, expired or revoked', true);
      const name = `token:${found.row.id}:${found.principal.login ?? found.principal.id}`;
      credentials.set(request, { ctx: context(await actorForPrincipal(db, found.principal, scopeSet(tokenScopes(found.row)), name)), sessionId: null });
      return;
    }
    const session = await verifyWebSession(db, token);
    const principal = session && (await sessionPrincipal(db, session.principalId));
    if (!session || !principal) throw new Unauthenticated('the session has ended or the token is unknown', true);
    // A session was opened with the password and second factor: every scope the role allows.
    credentials.set(request, { ctx: context(await actorForPrincipal(db, principal, null)), sessionId: session.id });
  };
}

export function credentialOf(request: FastifyRequest): Credential {
  const credential = credentials.get(request);
  if (!credential) throw new Unauthenticated('credentials required', false);
  return credential;
}

/** The admin context of an authenticated request. */
export function adminContext(request: FastifyRequest): AdminContext {
  return credentialOf(request).ctx;
}
