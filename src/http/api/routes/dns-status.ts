// /api/v1/domains/{domain}/dns-status: each record the domain needs, and whether DNS serves it.
import { Type } from 'typebox';

import { domainDnsStatus } from '../../../admin/dns-status.ts';
import { createResolver, type MailResolver } from '../../../delivery/dns-resolver.ts';
import { adminContext } from '../auth.ts';
import { ERRORS, Page, type Api, type ApiDeps } from '../schemas.ts';

const DnsRecordState = Type.Object(
  {
    type: Type.Enum(['MX', 'TXT', 'CNAME', 'SRV']),
    name: Type.String(),
    purpose: Type.String(),
    required: Type.Boolean({ description: 'mail flow or trust breaks without it; the others only help clients find the server' }),
    expected: Type.String(),
    found: Type.Array(Type.String(), { description: 'what DNS answered for this name and type' }),
    status: Type.Enum(['ok', 'missing', 'mismatch', 'error'], { description: 'error: DNS did not answer (timeout, SERVFAIL)' }),
    problem: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export interface DnsStatusDeps extends ApiDeps {
  /** The server's resolver, so [dns.overrides] and `system = false` apply; default the system's DNS. */
  resolver?: MailResolver;
}

export function dnsStatusRoutes(api: Api, deps: DnsStatusDeps): void {
  const resolver = deps.resolver ?? createResolver();
  api.get(
    '/domains/:domain/dns-status',
    {
      schema: {
        tags: ['domains'],
        summary: 'Looks up each DNS record the domain needs and says whether it is live',
        params: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }),
        response: { 200: Page(DnsRecordState), ...ERRORS },
      },
    },
    async (request) => ({ items: await domainDnsStatus(adminContext(request), { domain: request.params.domain, server: deps.server, resolver }), next: null }),
  );
}
