// The HTTP listener (ports.http): Fastify, serving client autoconfiguration and the admin API
// (under /api), JMAP and the webmail's static files.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';

import { DEFAULT_PORTS, type PetrelConfig } from '../config/config.ts';
import type { MailResolver } from '../delivery/dns-resolver.ts';
import type { Database } from '../store/schema.ts';
import { registerAdminApi } from './api/plugin.ts';
import { registerAutoconfigRoutes } from './autoconfig-routes.ts';
import type { JmapServices } from '../jmap/context.ts';
import { registerJmapRoutes } from '../jmap/routes.ts';
import { STANDARD_CLIENT_PORTS } from './autoconfig-documents.ts';
import { registerWebUi } from './web-ui.ts';

export interface HttpListenerOptions {
  db: Kysely<Database>;
  hostname: string;
  /** The ports this server listens on, for the DNS records the admin API lists (SRV, RFC 6186); default Petrel's default ports. */
  ports?: PetrelConfig['ports'];
  log: (line: string) => void;
  /** The JMAP server's mail core; without it (tools that only want autoconfig) there is no JMAP. */
  jmap?: JmapServices;
  /** The server's resolver, for the admin API's DNS status of domains. */
  resolver?: MailResolver;
}

/** Request bodies here are short XML documents; anything bigger is not a client asking for settings. */
const BODY_LIMIT = 64 * 1024;

export function buildHttpApp(options: HttpListenerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  // Outlook posts text/xml; some clients send no or odd content types. Routes get the raw text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.log(`http: ${request.method} ${request.url}: ${error.message}`);
    return reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(`${status === 500 ? 'internal error' : error.message}\n`);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('not found\n'));
  registerAutoconfigRoutes(app, { db: options.db, server: { hostname: options.hostname, ports: STANDARD_CLIENT_PORTS } });
  registerAdminApi(app, { db: options.db, server: { hostname: options.hostname, ports: options.ports ?? DEFAULT_PORTS }, log: options.log, resolver: options.resolver });
  if (options.jmap) registerJmapRoutes(app, options.jmap);
  // The webmail is a JMAP client: without JMAP there is nothing for it to talk to.
  if (options.jmap) registerWebUi(app);
  return app;
}

/** Same shape as the other access listeners in server.ts: listen returns the bound port. */
export function createHttpListener(options: HttpListenerOptions): { listen(port: number, host: string): Promise<number>; close(): Promise<void> } {
  const app = buildHttpApp(options);
  let listening = false;
  return {
    async listen(port, host) {
      await app.listen({ port, host });
      listening = true;
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async close() {
      if (listening) await app.close();
    },
  };
}
