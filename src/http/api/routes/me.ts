// /api/v1/me: self-service for any signed-in principal: second factor, app passwords, sessions, password.
import { Type } from 'typebox';

import {
  changeMyPassword,
  confirmMyTotp,
  createMyAppPassword,
  disableMyTotp,
  enrolMyTotp,
  getMySecurity,
  listMyAppPasswords,
  listMySessions,
  regenerateMyRecoveryCodes,
  revokeMyAppPassword,
  revokeMySession,
} from '../../../admin/me.ts';
import { adminContext } from '../auth.ts';
import { ERRORS, Page, IdParams, type Api } from '../schemas.ts';
import { AppPassword, AppPasswordInput, NewAppPassword, Session, TotpStatus } from './security-schemas.ts';

const Code = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64, description: 'a current TOTP code or a recovery code' }) }, { additionalProperties: false });
const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String(), { description: 'shown once' }) });

export function meRoutes(api: Api): void {
  const tags = ['me'];
  api.get(
    '/me/security',
    {
      schema: {
        tags,
        summary: 'Your second factor, app passwords and sessions',
        response: { 200: Type.Object({ address: Type.String(), totp: TotpStatus, appPasswords: Type.Array(AppPassword), sessions: Type.Array(Session) }, { additionalProperties: true }), ...ERRORS },
      },
    },
    async (request) => getMySecurity(adminContext(request)),
  );
  api.post(
    '/me/totp',
    { schema: { tags, summary: 'Start turning TOTP on: the secret and otpauth:// URI for the app', querystring: Type.Object({ issuer: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the name the app shows; default Petrel' })) }), response: { 201: Type.Object({ secret: Type.String(), uri: Type.String() }), ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await enrolMyTotp(adminContext(request), { issuer: request.query.issuer })),
  );
  api.post('/me/totp/confirm', { schema: { tags, summary: 'Finish turning TOTP on with a first code; returns recovery codes', body: Code, response: { 200: RecoveryCodes, ...ERRORS } } }, async (request) =>
    confirmMyTotp(adminContext(request), request.body),
  );
  api.post('/me/totp/disable', { schema: { tags, summary: 'Turn TOTP off (asks for a current code)', body: Code, response: { 200: Type.Object({ disabled: Type.Boolean() }), ...ERRORS } } }, async (request) =>
    disableMyTotp(adminContext(request), request.body),
  );
  api.post('/me/recovery-codes', { schema: { tags, summary: 'New recovery codes (asks for a current code); the old ones stop working', body: Code, response: { 200: RecoveryCodes, ...ERRORS } } }, async (request) =>
    regenerateMyRecoveryCodes(adminContext(request), request.body),
  );
  api.get('/me/app-passwords', { schema: { tags, summary: 'Your app passwords', response: { 200: Page(AppPassword), ...ERRORS } } }, async (request) => ({
    items: await listMyAppPasswords(adminContext(request)),
    next: null,
  }));
  api.post('/me/app-passwords', { schema: { tags, summary: 'Make an app password; the password is returned once', body: AppPasswordInput, response: { 201: NewAppPassword, ...ERRORS } } }, async (request, reply) =>
    reply.code(201).send(await createMyAppPassword(adminContext(request), request.body)),
  );
  api.delete('/me/app-passwords/:id', { schema: { tags, summary: 'Revoke one of your app passwords', params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...ERRORS } } }, async (request) =>
    revokeMyAppPassword(adminContext(request), request.params),
  );
  api.get('/me/sessions', { schema: { tags, summary: 'Your signed-in sessions', response: { 200: Page(Session), ...ERRORS } } }, async (request) => ({
    items: await listMySessions(adminContext(request)),
    next: null,
  }));
  api.delete('/me/sessions/:id', { schema: { tags, summary: 'Sign out one of your sessions', params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...ERRORS } } }, async (request) =>
    revokeMySession(adminContext(request), request.params),
  );
  api.put(
    '/me/password',
    {
      schema: {
        tags,
        summary: 'Change your password (ends your other sessions)',
        body: Type.Object({ oldPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ address: Type.String() }), ...ERRORS },
      },
    },
    async (request) => changeMyPassword(adminContext(request), request.body),
  );
}
