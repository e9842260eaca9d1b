// The JMAP HTTP resources (RFC 8620 §2 session, §3 API, §6 blobs, §7.3 EventSource) and the
// RFC 8887 WebSocket on the shared Fastify instance.
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { MailError } from '../mail/errors.ts';
import { expireUploads, requireUploadRoom } from '../mail/upload-lifecycle.ts';
import { storeUpload } from '../mail/uploads.ts';
import { sha256Hex } from '../store/blob-store.ts';
import { accessOf, mailboxesWith, sharedAccounts, type AccountAccess } from './account-access.ts';
import { accountIdOf } from './account-ids.ts';
import { authenticateJmapRequest, BasicAuthCache, WWW_AUTHENTICATE, type JmapPrincipal } from './auth.ts';
import { readBlobThrough } from './blob-content.ts';
import { blobIdOf } from './blob-ids.ts';
import { CORE_LIMITS, SUPPORTED_CAPABILITIES } from './capabilities.ts';
import { ConcurrencyLimit } from './concurrency.ts';
import type { JmapContext, JmapServices } from './context.ts';
import { runRequest } from './dispatcher.ts';
import { streamEvents, type PushAccounts } from './event-source.ts';
import { MethodError, requestProblem } from './proto/errors.ts';
import { isRequestProblem, parseRequest } from './proto/request.ts';
import { METHODS } from './registry.ts';
import { API_PATH, DOWNLOAD_PATH, EVENT_SOURCE_PATH, sessionResource, UPLOAD_PATH, WEBSOCKET_PATH } from './session-resource.ts';
import { chooseSubprotocol, serveJmapSocket, type JmapSocket } from './websocket.ts';

/** The scheme and host the client used, for the absolute URLs of the Session object. */
function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function json(reply: FastifyReply, status: number, body: unknown, type = 'application/json; charset=utf-8'): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type(type).send(JSON.stringify(body));
}

/** The download's file name: an ASCII fallback and the UTF-8 name (RFC 6266 §4.3, RFC 8187). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** What an upload over the account's quota is answered with (the RFC 8620 §5.3 SetError name, as a problem type). */
const OVER_QUOTA = 'urn:ietf:params:jmap:error:overQuota';

/** How often expired uploads are released (RFC 8620 §6.1 lets them go once unused for long enough). */
const UPLOAD_EXPIRY_EVERY_MS = 10 * 60_000;

export function registerJmapRoutes(app: FastifyInstance, services: JmapServices): void {
  const cache = new BasicAuthCache();
  const deps = { db: services.store.db, throttle: services.throttle, cache };
  const requests = new ConcurrencyLimit(CORE_LIMITS.maxConcurrentRequests);
  const uploads = new ConcurrencyLimit(CORE_LIMITS.maxConcurrentUpload);
  const busy = (reply: FastifyReply, limit: 'maxConcurrentRequests' | 'maxConcurrentUpload') =>
    json(reply, 400, requestProblem('limit', `too many requests at once (${limit})`, limit), 'application/problem+json');

  const principalOf = async (request: FastifyRequest, reply: FastifyReply): Promise<JmapPrincipal | null> => {
    const principal = await authenticateJmapRequest(request, deps);
    if (!principal) {
      await reply.code(401).header('www-authenticate', WWW_AUTHENTICATE).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', status: 401, detail: 'authentication required' }));
    }
    return principal;
  };

  /** The Session object, with the accounts shared with the principal as they are now. */
  const sessionOf = async (principal: JmapPrincipal, request: FastifyRequest) => sessionResource(principal, originOf(request), await sharedAccounts(services, principal.id));

  /** Parses and runs one API request (the POST body or a WebSocket Request) within the concurrency limit. */
  const execute = async (principal: JmapPrincipal, request: FastifyRequest, body: string) => {
    const parsed = parseRequest(body, CORE_LIMITS, SUPPORTED_CAPABILITIES);
    if (isRequestProblem(parsed)) return parsed;
    const context: JmapContext = { services, principal };
    const response = await requests.run(principal.id, () =>
      runRequest(
        parsed,
        METHODS,
        context,
        async () => String((await sessionOf(principal, request)).state),
        (err, method) => services.log(`jmap: ${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      ),
    );
    return response ?? requestProblem('limit', 'too many requests at once (maxConcurrentRequests)', 'maxConcurrentRequests');
  };

  /** The account a blob URL names as the principal reaches it; null for one it does not (404, so ids cannot be probed). */
  const reach = async (principal: JmapPrincipal, accountId: string): Promise<AccountAccess | null> =>
    accessOf({ accountId }, { services, principal }).catch((err: unknown) => {
      if (err instanceof MethodError) return null;
      throw err;
    });

  const notFound = (reply: FastifyReply, detail: string) => json(reply, 404, { type: 'about:blank', status: 404, detail }, 'application/problem+json');

  /** Every account whose changes the principal is pushed: its own and each shared with it. */
  const pushAccounts = async (principal: JmapPrincipal): Promise<PushAccounts> => ({ personal: principal.id, shared: (await sharedAccounts(services, principal.id)).map((a) => a.accountId) });

  app.register(async (scope) => {
    // Uploads are bytes of any type, so this scope reads bodies as buffers; the API decodes its JSON itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CORE_LIMITS.maxSizeUpload }, (_request, body, done) => done(null, body));

    // Expired uploads are released on a timer, not only when the next upload comes.
    const expiry = setInterval(() => {
      expireUploads(services.store).then(
        (n) => {
          if (n > 0) services.log(`jmap: released ${n} expired uploads`);
        },
        (err: unknown) => services.log(`jmap: upload expiry failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, UPLOAD_EXPIRY_EVERY_MS).unref();
    scope.addHook('onClose', async () => clearInterval(expiry));

    // Event streams never end by themselves; a shutdown ends them so the listener can close.
    const streams = new Set<() => void>();
    scope.addHook('preClose', async () => {
      for (const end of streams) end();
    });

    // The plugin's own preClose closes every WebSocket on shutdown (each then drops its push).
    await scope.register(fastifyWebsocket, {
      options: { maxPayload: CORE_LIMITS.maxSizeRequest, handleProtocols: (offered: Set<string>) => chooseSubprotocol(offered) },
    });
    // Who each upgrade request authenticated as, from the preValidation check to the handler.
    const socketPrincipals = new WeakMap<FastifyRequest, JmapPrincipal>();

    // RFC 8887 §3: the upgrade request authenticates as an API request does; without that it gets 401, not a socket.
    scope.get(
      WEBSOCKET_PATH,
      {
        websocket: true,
        preValidation: async (request, reply) => {
          const principal = await principalOf(request, reply);
          if (principal) socketPrincipals.set(request, principal);
        },
      },
      (socket: JmapSocket, request) => {
        const principal = socketPrincipals.get(request);
        if (!principal) return;
        serveJmapSocket(socket, services, { execute: (body) => execute(principal, request, body), accounts: () => pushAccounts(principal) });
      },
    );

    scope.get('/.well-known/jmap', async (request, reply) => {
      const principal = await principalOf(request, reply);
      if (!principal) return reply;
      return json(reply, 200, await sessionOf(principal, request));
    });

    scope.post(API_PATH, { bodyLimit: CORE_LIMITS.maxSizeRequest + 1 }, async (request, reply) => {
      const principal = await principalOf(request, reply);
      if (!principal) return reply;
      const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const result = await execute(principal, request, body);
      return 'status' in result ? json(reply, 400, result, 'application/problem+json') : json(reply, 200, result);
    });

    scope.get<{ Params: { accountId: string; blobId: string; name: string }; Querystring: { type?: string } }>(`${DOWNLOAD_PATH}/:accountId/:blobId/:name`, async (request, reply) => {
      const principal = await principalOf(request, reply);
      if (!principal) return reply;
      const { accountId, blobId, name } = request.params;
      const access = await reach(principal, accountId);
      const bytes = access && (await readBlobThrough(services, access, principal.id, blobId));
      if (!bytes) return notFound(reply, 'no such blob');
      const type = typeof request.query.type === 'string' && /^[\w.+-]+\/[\w.+-]+/.test(request.query.type) ? request.query.type : 'application/octet-stream';
      // Blob ids name their content, so a copy never goes stale (RFC 8620 §6.2).
      return reply.code(200).header('cache-control', 'private, immutable, max-age=31536000').header('content-disposition', contentDisposition(name)).type(type).send(bytes);
    });

    scope.post<{ Params: { accountId: string } }>(`${UPLOAD_PATH}/:accountId/`, async (request, reply) => {
      const principal = await principalOf(request, reply);
      if (!principal) return reply;
      const access = await reach(principal, request.params.accountId);
      if (!access) return notFound(reply, 'no such account');
      // In a shared account an upload is only of use to Email/import into a mailbox one may add to (i).
      if (mailboxesWith(access, 'i')?.length === 0) return json(reply, 403, { type: 'about:blank', status: 403, detail: 'you may not add emails to any mailbox of this account' }, 'application/problem+json');
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = request.headers['content-type'] ?? 'application/octet-stream';
      // Uploads are the uploader's own (blob-content.ts), held and charged against its own account.
      const stored = await uploads.run(principal.id, async () => {
        const hash = sha256Hex(bytes);
        try {
          await requireUploadRoom(services.store.db, principal.id, hash, bytes.byteLength);
        } catch (err) {
          if (err instanceof MailError && err.code === 'over_quota') return { overQuota: err.message };
          throw err;
        }
        return { blobId: blobIdOf(await storeUpload(services.store, principal.id, bytes)) };
      });
      if (stored === null) return busy(reply, 'maxConcurrentUpload');
      if ('overQuota' in stored) return json(reply, 403, { type: OVER_QUOTA, status: 403, detail: stored.overQuota }, 'application/problem+json');
      const { blobId } = stored;
      return json(reply, 201, { accountId: accountIdOf(access.accountId), blobId, type, size: bytes.byteLength });
    });

    scope.get<{ Querystring: { types?: string; closeafter?: string; ping?: string } }>(`${EVENT_SOURCE_PATH}/`, async (request, reply) => {
      const principal = await principalOf(request, reply);
      if (!principal) return reply;
      const ping = Number(request.query.ping ?? 0);
      const end = streamEvents(services, await pushAccounts(principal), reply, {
        types: (request.query.types ?? '*').split(','),
        closeAfterState: request.query.closeafter === 'state',
        pingSeconds: Number.isFinite(ping) && ping > 0 ? Math.max(30, Math.min(ping, 3600)) : 0,
      });
      streams.add(end);
      reply.raw.on('close', () => streams.delete(end));
      return reply;
    });
  });
}
