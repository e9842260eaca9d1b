// The admin HTTP API: REST/JSON under /api/v1 on the HTTP listener, described by the OpenAPI
// document at /api/openapi.json, which @fastify/swagger builds from the routes' own schemas.
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';

import { requireCredentials } from './auth.ts';
import { apiErrorHandler, notFoundBody } from './errors.ts';
import { adminRoutes } from './routes/admins.ts';
import { aliasRoutes } from './routes/aliases.ts';
import { auditRoutes } from './routes/audit.ts';
import { dnsStatusRoutes } from './routes/dns-status.ts';
import { domainRoutes } from './routes/domains.ts';
import { galRoutes } from './routes/gal.ts';
import { groupRoutes } from './routes/groups.ts';
import { meRoutes } from './routes/me.ts';
import { qrApprovalRoutes, qrLoginRoutes } from './routes/qr-login.ts';
import { quotaRoutes } from './routes/quotas.ts';
import { securityRoutes } from './routes/security.ts';
import { sessionLoginRoute, sessionRoutes } from './routes/session.ts';
import { sharedRoutes } from './routes/shared.ts';
import { signatureRoutes } from './routes/signatures.ts';
import { statsRoutes } from './routes/stats.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { unitRoutes } from './routes/units.ts';
import { userRoutes } from './routes/users.ts';
import type { Api, ApiDeps } from './schemas.ts';
import type { MailResolver } from '../../delivery/dns-resolver.ts';

export interface AdminApiOptions extends ApiDeps {
  log: (line: string) => void;
  /** The server's resolver (its [dns.overrides] included), for the DNS status of domains. */
  resolver?: MailResolver;
}

/** Route modules behind credentials, one per noun (src/http/api/routes/<noun>.ts). */
const AUTHENTICATED_ROUTES: ((api: Api, deps: ApiDeps) => void)[] = [
  sessionRoutes,
  qrApprovalRoutes,
  meRoutes,
  tokenRoutes,
  tenantRoutes,
  domainRoutes,
  dnsStatusRoutes,
  userRoutes,
  securityRoutes,
  aliasRoutes,
  groupRoutes,
  sharedRoutes,
  unitRoutes,
  quotaRoutes,
  galRoutes,
  signatureRoutes,
  adminRoutes,
  auditRoutes,
  statsRoutes,
];

/** Registers the API under /api; its content parsing, errors and 404s stay inside that prefix. */
export function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): void {
  app.register(
    async (scope) => {
      const api: Api = scope.withTypeProvider<TypeBoxTypeProvider>();
      // The listener hands other routes raw text; the API speaks JSON only.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('application/json', { parseAs: 'string' }, api.getDefaultJsonParser('error', 'error'));
      api.setErrorHandler(apiErrorHandler(options.log));
      api.setNotFoundHandler((request, reply) => reply.code(404).send(notFoundBody(request.method, request.url)));
      await api.register(fastifySwagger, {
        openapi: {
          openapi: '3.1.0',
          info: { title: 'Petrel admin API', version: '1', description: 'Administration of Petrel: tenants, domains, users, groups, aliases, shared mailboxes, org units, quotas, the global address list, credentials, administrators, the audit log and API tokens. See docs/admin-guide.md.' },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (ptk_...) or a session token from POST /api/v1/session' } } },
          security: [{ bearer: [] }],
        },
      });
      api.get('/openapi.json', { schema: { tags: ['meta'], summary: 'This OpenAPI document', security: [] } }, () => api.swagger());
      await api.register(
        async (v1: Api) => {
          sessionLoginRoute(v1, options);
          qrLoginRoutes(v1, options);
          await v1.register(async (authenticated: Api) => {
            authenticated.addHook('onRequest', requireCredentials(options.db));
            for (const routes of AUTHENTICATED_ROUTES) routes(authenticated, options);
          });
        },
        { prefix: '/v1' },
      );
    },
    { prefix: '/api' },
  );
}
