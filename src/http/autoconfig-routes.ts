// Client autoconfiguration routes: Thunderbird autoconfig, Outlook POX Autodiscover, Apple profile.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';

import { DirectoryError } from '../directory/errors.ts';
import { normalizeAddress, normalizeDomain } from '../directory/names.ts';
import { isLocalDomain } from '../directory/recipients.ts';
import { findUser } from '../directory/users.ts';
import type { Database } from '../store/schema.ts';
import { appleMobileconfig, autodiscoverRequestAddress, autodiscoverResponse, thunderbirdConfig, type MailServerSettings } from './autoconfig-documents.ts';
import { XmlSyntaxError } from './xml.ts';

export interface AutoconfigDeps {
  db: Kysely<Database>;
  server: MailServerSettings;
}

/** Thunderbird asks both on the domain itself and on autoconfig.DOMAIN; the latter names the domain only in Host. */
const AUTOCONFIG_HOST_PREFIX = 'autoconfig.';

const emailQuery = {
  type: 'object',
  properties: { emailaddress: { type: 'string', maxLength: 320 } },
} as const;

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

export function registerAutoconfigRoutes(app: FastifyInstance, deps: AutoconfigDeps): void {
  const { db, server } = deps;

  /**
   * The display name for an address, if it belongs to someone. An unknown address on a hosted
   * domain still gets its settings: answering differently would tell anyone which addresses exist.
   */
  async function displayNameOf(address: string): Promise<string | null> {
    try {
      const principal = await findUser(db, address);
      return principal.display_name || null;
    } catch (err) {
      if (err instanceof DirectoryError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /** `null` (after replying) when the address is malformed or not on a domain Petrel hosts. */
  async function hostedAddress(raw: string | undefined, reply: FastifyReply): Promise<string | null> {
    if (!raw) {
      sendError(reply, 400, 'emailaddress is required');
      return null;
    }
    let address: string;
    let domain: string;
    try {
      ({ address, domain } = normalizeAddress(raw));
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      sendError(reply, 400, `emailaddress: ${err.message}`);
      return null;
    }
    if (!(await isLocalDomain(db, domain))) {
      sendError(reply, 404, `${domain} is not a domain served here`);
      return null;
    }
    return address;
  }

  const thunderbird = async (request: { query: { emailaddress?: string }; hostname: string }, reply: FastifyReply) => {
    let domain: string;
    try {
      if (request.query.emailaddress) domain = normalizeAddress(request.query.emailaddress).domain;
      else {
        const host = request.hostname.toLowerCase();
        domain = normalizeDomain(host.startsWith(AUTOCONFIG_HOST_PREFIX) ? host.slice(AUTOCONFIG_HOST_PREFIX.length) : host);
      }
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      return sendError(reply, 400, err.message);
    }
    if (!(await isLocalDomain(db, domain))) return sendError(reply, 404, `${domain} is not a domain served here`);
    return reply.type('application/xml; charset=utf-8').send(thunderbirdConfig(domain, `${domain} mail`, server));
  };
  const thunderbirdRoute = { schema: { querystring: emailQuery } };
  app.get<{ Querystring: { emailaddress?: string } }>('/.well-known/autoconfig/mail/config-v1.1.xml', thunderbirdRoute, thunderbird);
  app.get<{ Querystring: { emailaddress?: string } }>('/mail/config-v1.1.xml', thunderbirdRoute, thunderbird);

  const autodiscover = async (request: { body: unknown }, reply: FastifyReply) => {
    if (typeof request.body !== 'string' || request.body.trim() === '') return sendError(reply, 400, 'expected an Autodiscover request XML body');
    let raw: string;
    try {
      raw = autodiscoverRequestAddress(request.body);
    } catch (err) {
      if (!(err instanceof XmlSyntaxError)) throw err;
      return sendError(reply, 400, `malformed Autodiscover request: ${err.message}`);
    }
    const address = await hostedAddress(raw, reply);
    if (!address) return reply;
    return reply.type('application/xml; charset=utf-8').send(autodiscoverResponse(address, await displayNameOf(address), server));
  };
  // Outlook varies the case of the path; both spellings seen in the wild are served.
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) app.post(path, autodiscover);

  app.get<{ Querystring: { emailaddress?: string } }>('/apple/mail.mobileconfig', { schema: { querystring: emailQuery } }, async (request, reply) => {
    const address = await hostedAddress(request.query.emailaddress, reply);
    if (!address) return reply;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    return reply
      .type('application/x-apple-aspen-config')
      .header('content-disposition', `attachment; filename="${domain}.mobileconfig"`)
      .send(appleMobileconfig(address, await displayNameOf(address), server));
  });
}
