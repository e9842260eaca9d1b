// /api/v1/users: mail users, paged by keyset in the database (fast at 100,000 users), by id or address.
import { Type } from 'typebox';

import { addUser, getUser, listUsers, removeUser, setUserPassword, unlockUser, updateUser } from '../../../admin/users.ts';
import { adminContext } from '../auth.ts';
import { principalRef } from '../paging.ts';
import { DEFAULT_PAGE, ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Address = Type.String({ minLength: 3, maxLength: 320 });
const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) });

const UserSummary = Type.Object(
  {
    id: Type.Integer(),
    address: Type.String(),
    displayName: Type.String(),
    aliases: Type.Array(Type.String()),
    quotaBytes: Type.Integer({ description: '0: unlimited' }),
    usedBytes: Type.Integer(),
    disabled: Type.Boolean(),
  },
  { additionalProperties: true },
);

const UserInfo = Type.Intersect([
  UserSummary,
  Type.Object({
    tenantId: Type.Integer(),
    tenant: Type.String(),
    role: Type.Enum(['user', 'domain-admin', 'tenant-admin', 'super-admin']),
    createdAt: Type.Integer(),
    lockedUntil: Type.Union([Type.Integer(), Type.Null()], { description: 'while a failed-login lockout lasts' }),
  }),
]);

export function userRoutes(api: Api): void {
  const tags = ['users'];
  api.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'Users the caller administers, ordered by address',
        querystring: Type.Object({ ...PAGE_FIELDS, domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })), tenant: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Page(UserSummary), ...ERRORS },
      },
    },
    async (request) => {
      const { limit, after, q, domain, tenant } = request.query;
      return listUsers(adminContext(request), { limit: limit ?? DEFAULT_PAGE, after, query: q, domain, tenant });
    },
  );
  api.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Add a user with a mailbox',
        body: Type.Object(
          { address: Address, password: Type.String({ minLength: 1, maxLength: 1024 }), displayName: Type.Optional(Type.String({ maxLength: 200 })), quotaBytes: Type.Optional(Type.Integer({ minimum: 0 })) },
          { additionalProperties: false },
        ),
        response: { 201: UserInfo, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await addUser(adminContext(request), request.body)),
  );
  api.get('/users/:user', { schema: { tags, summary: 'A user', params: UserParams, response: { 200: UserInfo, ...ERRORS } } }, async (request) =>
    getUser(adminContext(request), { user: principalRef(request.params.user) }),
  );
  api.patch(
    '/users/:user',
    {
      schema: {
        tags,
        summary: 'Change a user\'s name, quota or disabled state',
        params: UserParams,
        body: Type.Object({ displayName: Type.Optional(Type.String({ maxLength: 200 })), quotaBytes: Type.Optional(Type.Integer({ minimum: 0 })), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: UserInfo, ...ERRORS },
      },
    },
    async (request) => updateUser(adminContext(request), { user: principalRef(request.params.user), ...request.body }),
  );
  api.put(
    '/users/:user/password',
    {
      schema: {
        tags,
        summary: 'Set a new password (also lifts a lockout)',
        params: UserParams,
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ address: Type.String() }), ...ERRORS },
      },
    },
    async (request) => setUserPassword(adminContext(request), { user: principalRef(request.params.user), password: request.body.password }),
  );
  api.post(
    '/users/:user/unlock',
    { schema: { tags, summary: 'Clear a failed-login lockout', params: UserParams, response: { 200: Type.Object({ address: Type.String(), wasLocked: Type.Boolean() }), ...ERRORS } } },
    async (request) => unlockUser(adminContext(request), { user: principalRef(request.params.user) }),
  );
  api.delete('/users/:user', { schema: { tags, summary: 'Delete a user with all their mail', params: UserParams, response: { 200: Type.Object({ removed: Type.String() }), ...ERRORS } } }, async (request) =>
    removeUser(adminContext(request), { user: principalRef(request.params.user) }),
  );
}
