// The webmail's static files (the Vite build in web/dist/webmail, DESIGN.md "Web UIs") under
// /mail/, and `/` sending a browser there. The UI talks to the server only through the public
// APIs (/api/v1/session, JMAP), so serving it is all the server does for it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEBMAIL_PATH = '/mail/';
const DEFAULT_ROOT = fileURLToPath(new URL('../../web/dist/webmail/', import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Petrel webmail is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The webmail has not been built</h1>
<p>This Petrel serves its web interface from <code>web/dist/webmail</code>, which does not exist yet.
Build it with <code>npm run build:web</code> (run automatically by <code>npm ci</code>) and reload this page.</p>
</body></html>
`;

export function registerWebUi(app: FastifyInstance, root: string = DEFAULT_ROOT): void {
  app.get('/', (_request, reply) => reply.redirect(WEBMAIL_PATH));
  if (!existsSync(`${root}/index.html`)) {
    const notBuilt = (_request: FastifyRequest, reply: FastifyReply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    app.get('/mail', notBuilt);
    app.get(`${WEBMAIL_PATH}*`, notBuilt);
    return;
  }
  app.register(fastifyStatic, {
    root,
    prefix: WEBMAIL_PATH,
    redirect: true,
    setHeaders(reply, path) {
      // Vite names assets by their content hash, so they never change; index.html must be checked each time.
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      // Only our own scripts and styles, no frames, no remote images: a message can never load anything.
      reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    },
  });
}
