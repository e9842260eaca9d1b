// /api/v1/tokens: the caller's API tokens, and (for administrators) those of the people they administer.
import { Type } from 'typebox';

import { SCOPES } from '../../../admin/context.ts';
import { createToken, listTokens, revokeToken } from '../../../admin/tokens.ts';
import { adminContext } from '../auth.ts';
import { Deleted, ERRORS, IdParams, Page, type Api } from '../schemas.ts';

const Scope = Type.Enum([...SCOPES]);

const TokenInfo = Type.Object({
  id: Type.Integer(),
  principalId: Type.Integer(),
  owner: Type.Union([Type.String(), Type.Null()]),
  tenantId: Type.Integer(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export function tokenRoutes(api: Api): void {
  api.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'List API tokens: your own, one user\'s (login), or every one you administer (all)',
        querystring: Type.Object({ login: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })), all: Type.Optional(Type.Boolean()) }),
        response: { 200: Page(TokenInfo), ...ERRORS },
      },
    },
    async (request) => ({ items: await listTokens(adminContext(request), { login: request.query.login, all: request.query.all }), next: null }),
  );
  api.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Make an API token; the secret in `token` is returned once and never again',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            scopes: Type.Array(Scope, { minItems: 1, uniqueItems: true }),
            expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
            login: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'whose token (super-admin only); default your own' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([Type.Object({ token: Type.String() }), TokenInfo]), ...ERRORS },
      },
    },
    async (request, reply) => {
      const made = await createToken(adminContext(request), request.body);
      return reply.code(201).send({ token: made.token, ...made.info });
    },
  );
  api.delete(
    '/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token at once', params: IdParams, response: { ...Deleted, ...ERRORS } } },
    async (request, reply) => {
      await revokeToken(adminContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
