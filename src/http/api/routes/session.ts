// /api/v1/session: sign in with login, password and (when TOTP is on) a code, for a session token
// used as `Authorization: Bearer` like an API token; DELETE signs out.
import { Type } from 'typebox';

import { DirectoryError } from '../../../directory/errors.ts';
import { createWebSession, loginForSession, revokeWebSession } from '../../../directory/web-sessions.ts';
import { adminContext, credentialOf } from '../auth.ts';
import { Unauthenticated } from '../errors.ts';
import { Deleted, ERRORS, type Api, type ApiDeps } from '../schemas.ts';

/**
 * Signing in is authentication, not administration: like IMAP LOGIN it goes to directory/
 * directly (which checks the password, the second factor and the lockout, and audits).
 */
export function sessionLoginRoute(api: Api, { db }: ApiDeps): void {
  api.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in; a missing or wrong second factor is refused with field "totp"',
        security: [],
        body: Type.Object(
          {
            login: Type.String({ minLength: 1, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            totp: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'TOTP code or recovery code' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String() }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { login, password, totp } = request.body;
      let principalId: number;
      try {
        principalId = (await loginForSession(db, login, password, totp, { protocol: 'api', remoteAddress: request.ip })).id;
      } catch (err) {
        // Wrong login or password: say so as 401 without saying which; a missing code or an expired password names its field.
        if (err instanceof DirectoryError && err.code === 'invalid' && err.field === undefined) throw new Unauthenticated(err.message, false);
        throw err;
      }
      const session = await createWebSession(db, principalId, { remoteAddress: request.ip, userAgent: request.headers['user-agent'] ?? null });
      return reply.code(201).send({ token: session.token });
    },
  );
}

const Whoami = Type.Object({
  actor: Type.String(),
  role: Type.String(),
  tenantId: Type.Union([Type.Integer(), Type.Null()]),
  domainIds: Type.Array(Type.Integer()),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every scope the role allows (a session)' }),
});

export function sessionRoutes(api: Api, { db }: ApiDeps): void {
  api.get('/session', { schema: { tags: ['session'], summary: 'Who the credentials act as', response: { 200: Whoami, ...ERRORS } } }, async (request) => {
    const { actor } = adminContext(request);
    return { actor: actor.name, role: actor.role, tenantId: actor.tenantId, domainIds: [...actor.domainIds], scopes: actor.scopes ? [...actor.scopes] : null };
  });
  api.delete('/session', { schema: { tags: ['session'], summary: 'Sign out: the session token stops working', response: { ...Deleted, ...ERRORS } } }, async (request, reply) => {
    const { ctx, sessionId } = credentialOf(request);
    if (sessionId === null || ctx.actor.principalId === null) throw new DirectoryError('invalid', 'these credentials are an API token, not a session; revoke it with DELETE /api/v1/tokens/{id}');
    await revokeWebSession(db, ctx.actor.principalId, sessionId);
    return reply.code(204).send(null);
  });
}
