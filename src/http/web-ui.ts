// The web UIs' static files (the Vite builds in web/dist, DESIGN.md "Web UIs"): the webmail under
// /mail/, the admin console under /admin/, and `/` sending a browser to the webmail. Both talk to
// the server only through the public APIs (/api/v1, JMAP), so serving them is all the server does.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEBMAIL_PATH = '/mail/';
export const ADMIN_PATH = '/admin/';
const DEFAULT_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

interface WebApp {
  name: string;
  folder: string;
  prefix: string;
  /** Content-Security-Policy of the app's pages: only our own scripts and styles, nothing remote. */
  csp: string;
}

const APPS: WebApp[] = [
  {
    name: 'webmail',
    folder: 'webmail',
    prefix: WEBMAIL_PATH,
    // Messages are sanitized into the page (web/webmail/src/sanitize.ts), which drops every remote
    // URL until the reader clicks "Show images" for that message; only then may http(s) images
    // load, so img-src has to allow them here: a document's policy also binds anything drawn inside
    // it (shadow roots, srcdoc frames), so no narrower place could widen it. blob: carries the
    // inline images and attachment previews fetched with the bearer token, and a PDF preview is a
    // blob: frame. Scripts, styles and everything else stay our own: a message's CSS goes through
    // constructed stylesheets and the CSSOM, which style-src does not govern.
    csp: "default-src 'self'; img-src 'self' data: blob: http: https:; style-src 'self'; frame-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  },
  {
    name: 'admin console',
    folder: 'admin',
    prefix: ADMIN_PATH,
    csp: "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  },
];

function notBuiltPage(app: WebApp): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Petrel ${app.name} is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The ${app.name} has not been built</h1>
<p>This Petrel serves its ${app.name} from <code>web/dist/${app.folder}</code>, which does not exist yet.
Build it with <code>npm run build:web</code> (run automatically by <code>npm ci</code>) and reload this page.</p>
</body></html>
`;
}

export function registerWebUi(server: FastifyInstance, dist: string = DEFAULT_DIST): void {
  server.get('/', (_request, reply) => reply.redirect(WEBMAIL_PATH));
  let decorated = false;
  for (const app of APPS) {
    const root = `${dist}/${app.folder}`;
    if (!existsSync(`${root}/index.html`)) {
      const page = notBuiltPage(app);
      const notBuilt = (_request: FastifyRequest, reply: FastifyReply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
      server.get(app.prefix.slice(0, -1), notBuilt);
      server.get(`${app.prefix}*`, notBuilt);
      continue;
    }
    server.register(fastifyStatic, {
      root,
      prefix: app.prefix,
      redirect: true,
      // reply.sendFile is decorated once per server; the second registration must not add it again.
      decorateReply: !decorated,
      setHeaders(reply, path) {
        // Vite names assets by their content hash, so they never change; index.html must be checked each time.
        reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        reply.header('content-security-policy', app.csp);
      },
    });
    decorated = true;
  }
}
