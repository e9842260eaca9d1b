// /api/v1/session/qr: signing a desktop in by QR code from a device that is already signed in
// (directory/qr-logins.ts says what each step guards against). The desktop's two routes need no
// credentials, its secret is its proof; the approving device's routes need a web session.
import { Type } from 'typebox';

import type { Clock } from '../../../directory/account-lockout.ts';
import { DirectoryError } from '../../../directory/errors.ts';
import { approveQrLogin, createQrLogin, denyQrLogin, describeQrLogin, pollQrLogin, QrLoginRateLimited } from '../../../directory/qr-logins.ts';
import { WEBMAIL_PATH } from '../../web-ui.ts';
import { credentialOf } from '../auth.ts';
import { ERRORS, ErrorBody, type Api, type ApiDeps } from '../schemas.ts';

const tags = ['session'];
const RequestId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'the id of the sign-in request (in the QR code)' });
const Status = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('used'), Type.Literal('denied'), Type.Literal('expired')]);

/**
 * Where the phone opens the request: the webmail of the origin the desktop's page was loaded from.
 * A browser sends that origin with every POST; the Host header is the fallback for other clients.
 */
function approveUrl(origin: string | undefined, protocol: string, host: string, id: string): string {
  const base = origin && /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(origin) ? origin : `${protocol}://${host}`;
  return `${base}${WEBMAIL_PATH}#/approve/${encodeURIComponent(id)}`;
}

/** The desktop's side: start a request, then poll it with the secret. */
export function qrLoginRoutes(api: Api, { db }: ApiDeps, now: Clock = Date.now): void {
  api.post(
    '/session/qr',
    {
      schema: {
        tags,
        summary: 'Start signing in by QR code: show approveUrl as a QR code and the code as text, then poll',
        security: [],
        response: {
          201: Type.Object({
            id: Type.String(),
            secret: Type.String({ description: 'keep it on this device; it collects the session' }),
            code: Type.String({ description: 'six digits the approving device must type' }),
            approveUrl: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          429: ErrorBody,
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      try {
        const created = await createQrLogin(db, { remoteAddress: request.ip, userAgent: request.headers['user-agent'] ?? null }, now);
        return reply.code(201).send({
          id: created.id,
          secret: created.secret,
          code: created.code,
          approveUrl: approveUrl(request.headers.origin, request.protocol, request.host, created.id),
          expiresAt: new Date(created.expiresAt).toISOString(),
        });
      } catch (err) {
        if (!(err instanceof QrLoginRateLimited)) throw err;
        return reply
          .code(429)
          .header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))))
          .send({ error: { code: 'rate_limited', message: err.message } });
      }
    },
  );
  api.post(
    '/session/qr/poll',
    {
      schema: {
        tags,
        summary: 'Ask whether the request was approved; the first answer "approved" carries the session token, once',
        security: [],
        body: Type.Object({ id: RequestId, secret: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ status: Status, token: Type.Optional(Type.String()) }), ...ERRORS },
      },
    },
    async (request) => pollQrLogin(db, request.body.id, request.body.secret, { remoteAddress: request.ip, userAgent: request.headers['user-agent'] ?? null }, now),
  );
}

/** The approver acts as the person in front of it: a web session, never an API token (which could otherwise mint a session). */
function approverOf(request: Parameters<typeof credentialOf>[0]): { principalId: number; remoteAddress: string } {
  const { ctx, sessionId } = credentialOf(request);
  if (sessionId === null || ctx.actor.principalId === null) throw new DirectoryError('forbidden', 'only a signed-in session can approve a sign-in, not an API token');
  return { principalId: ctx.actor.principalId, remoteAddress: request.ip };
}

/** The approving device's side: see the request, approve it with the code, or deny it. */
export function qrApprovalRoutes(api: Api, { db }: ApiDeps, now: Clock = Date.now): void {
  api.get(
    '/session/qr/request',
    {
      schema: {
        tags,
        summary: 'A sign-in request waiting for approval: where it comes from and whether it still waits',
        querystring: Type.Object({ id: RequestId }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            id: Type.String(),
            status: Status,
            remoteAddress: Type.Union([Type.String(), Type.Null()]),
            userAgent: Type.Union([Type.String(), Type.Null()]),
            createdAt: Type.String({ format: 'date-time' }),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      approverOf(request);
      const found = await describeQrLogin(db, request.query.id, now);
      return { ...found, createdAt: new Date(found.createdAt).toISOString(), expiresAt: new Date(found.expiresAt).toISOString() };
    },
  );
  api.post(
    '/session/qr/approve',
    {
      schema: {
        tags,
        summary: 'Sign the requesting device in as yourself; needs the code it shows (three wrong codes cancel it)',
        body: Type.Object({ id: RequestId, code: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ status: Type.Literal('approved') }), ...ERRORS },
      },
    },
    async (request) => {
      await approveQrLogin(db, request.body.id, request.body.code, approverOf(request), now);
      return { status: 'approved' as const };
    },
  );
  api.post(
    '/session/qr/deny',
    {
      schema: {
        tags,
        summary: 'Refuse a sign-in request',
        body: Type.Object({ id: RequestId }, { additionalProperties: false }),
        response: { 200: Type.Object({ status: Type.Literal('denied') }), ...ERRORS },
      },
    },
    async (request) => {
      await denyQrLogin(db, request.body.id, approverOf(request), now);
      return { status: 'denied' as const };
    },
  );
}
