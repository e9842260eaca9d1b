// /api/v1/password-policy and /api/v1/users/{user}/(totp|sessions|app-passwords): what administrators
// control of their users' credentials.
import { Type } from 'typebox';

import {
  createUserAppPassword,
  getPasswordPolicy,
  getTotpStatus,
  listUserAppPasswords,
  listUserSessions,
  resetTotp,
  revokeUserAppPassword,
  revokeUserSessions,
  setPasswordPolicy,
} from '../../../admin/security.ts';
import { adminContext } from '../auth.ts';
import { principalRef } from '../paging.ts';
import { ERRORS, Page, type Api } from '../schemas.ts';
import { AppPassword, AppPasswordInput, NewAppPassword, Session, TotpStatus } from './security-schemas.ts';

const TenantQuery = Type.Object({ tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: the tenant; default your own' })) });
const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) });
const UserAndId = Type.Object({ user: UserParams.properties.user, id: Type.Integer({ minimum: 1 }) });
const Policy = Type.Object({ tenant: Type.String(), minLength: Type.Integer(), maxAgeDays: Type.Integer(), breachedCheck: Type.Boolean() }, { additionalProperties: true });
const Revoked = Type.Object({ address: Type.String(), revoked: Type.Integer() });

export function securityRoutes(api: Api): void {
  const tags = ['security'];
  api.get('/password-policy', { schema: { tags, summary: 'The tenant\'s password policy', querystring: TenantQuery, response: { 200: Policy, ...ERRORS } } }, async (request) =>
    getPasswordPolicy(adminContext(request), { tenant: request.query.tenant }),
  );
  api.patch(
    '/password-policy',
    {
      schema: {
        tags,
        summary: 'Change the tenant\'s password policy',
        querystring: TenantQuery,
        body: Type.Object({ minLength: Type.Optional(Type.Integer({ minimum: 1 })), maxAgeDays: Type.Optional(Type.Integer({ minimum: 0 })), breachedCheck: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Policy, ...ERRORS },
      },
    },
    async (request) => setPasswordPolicy(adminContext(request), { tenant: request.query.tenant, ...request.body }),
  );
  api.get('/users/:user/totp', { schema: { tags, summary: 'Whether the user has TOTP on', params: UserParams, response: { 200: Type.Intersect([TotpStatus, Type.Object({ address: Type.String() })]), ...ERRORS } } }, async (request) =>
    getTotpStatus(adminContext(request), { user: principalRef(request.params.user) }),
  );
  api.delete(
    '/users/:user/totp',
    { schema: { tags, summary: 'Reset a lost second factor (ends the user\'s sessions)', params: UserParams, response: { 200: Type.Object({ address: Type.String(), wasEnabled: Type.Boolean(), sessionsEnded: Type.Integer() }), ...ERRORS } } },
    async (request) => resetTotp(adminContext(request), { user: principalRef(request.params.user) }),
  );
  api.get('/users/:user/sessions', { schema: { tags, summary: 'The user\'s signed-in sessions', params: UserParams, response: { 200: Page(Session), ...ERRORS } } }, async (request) => ({
    items: await listUserSessions(adminContext(request), { user: principalRef(request.params.user) }),
    next: null,
  }));
  api.delete('/users/:user/sessions', { schema: { tags, summary: 'Sign the user out everywhere', params: UserParams, response: { 200: Revoked, ...ERRORS } } }, async (request) =>
    revokeUserSessions(adminContext(request), { user: principalRef(request.params.user) }),
  );
  api.delete('/users/:user/sessions/:id', { schema: { tags, summary: 'Sign out one session of the user', params: UserAndId, response: { 200: Revoked, ...ERRORS } } }, async (request) =>
    revokeUserSessions(adminContext(request), { user: principalRef(request.params.user), id: request.params.id }),
  );
  api.get('/users/:user/app-passwords', { schema: { tags, summary: 'The user\'s app passwords', params: UserParams, response: { 200: Page(AppPassword), ...ERRORS } } }, async (request) => ({
    items: await listUserAppPasswords(adminContext(request), { user: principalRef(request.params.user) }),
    next: null,
  }));
  api.post(
    '/users/:user/app-passwords',
    { schema: { tags, summary: 'Make an app password for the user; the password is returned once', params: UserParams, body: AppPasswordInput, response: { 201: NewAppPassword, ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await createUserAppPassword(adminContext(request), { user: principalRef(request.params.user), ...request.body })),
  );
  api.delete('/users/:user/app-passwords/:id', { schema: { tags, summary: 'Revoke an app password of the user', params: UserAndId, response: { 200: Revoked, ...ERRORS } } }, async (request) =>
    revokeUserAppPassword(adminContext(request), { user: principalRef(request.params.user), id: request.params.id }),
  );
}
