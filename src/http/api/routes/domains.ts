// /api/v1/domains: mail domains, their alias domains, catch-all, DKIM keys and the DNS records to publish.
import { Type } from 'typebox';

import { activateDkimKey, addDomain, addDomainAlias, domainDnsRecords, getDomain, listDkimKeys, listDomains, removeDomain, removeDomainAlias, retireDkimKey, rotateDkimKey, setCatchAll } from '../../../admin/domains.ts';
import { createRoleMailboxes } from '../../../admin/shared.ts';
import { DirectoryError } from '../../../directory/errors.ts';
import { adminContext } from '../auth.ts';
import { pageOf } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api, type ApiDeps } from '../schemas.ts';

const DomainName = Type.String({ minLength: 1, maxLength: 253 });
const DomainParams = Type.Object({ domain: DomainName });
const KeyParams = Type.Object({ domain: DomainName, selector: Type.String({ minLength: 1, maxLength: 63 }) });

const DomainSummary = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    tenantId: Type.Integer(),
    tenant: Type.String(),
    addresses: Type.Integer(),
    catchAll: Type.Union([Type.String(), Type.Null()]),
    aliasOf: Type.Union([Type.String(), Type.Null()], { description: 'for an alias domain: the domain it mirrors' }),
    createdAt: Type.Integer(),
  },
  { additionalProperties: true },
);

const DkimKey = Type.Object(
  {
    selector: Type.String(),
    algorithm: Type.String(),
    state: Type.Enum(['pending', 'active', 'retiring']),
    record: Type.String({ description: 'the TXT value to publish at <selector>._domainkey.<domain>' }),
    createdAt: Type.Integer(),
    activateAt: Type.Union([Type.Integer(), Type.Null()]),
    retireAt: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: true },
);

const DomainInfo = Type.Intersect([DomainSummary, Type.Object({ dkimKeys: Type.Array(DkimKey) })]);

const DnsRecord = Type.Object({ name: Type.String(), type: Type.Enum(['MX', 'TXT', 'CNAME', 'SRV']), value: Type.String(), purpose: Type.String() }, { additionalProperties: true });

const Removed = Type.Object({ removed: Type.String() });

export function domainRoutes(api: Api, deps: ApiDeps): void {
  const tags = ['domains'];
  api.get(
    '/domains',
    { schema: { tags, summary: 'Domains the caller administers', querystring: Type.Object({ ...PAGE_FIELDS, tenant: Type.Optional(Type.Integer({ minimum: 1 })) }), response: { 200: Page(DomainSummary), ...ERRORS } } },
    async (request) => pageOf(await listDomains(adminContext(request), { tenant: request.query.tenant }), (d) => d.name, request.query, (d) => [d.name]),
  );
  api.post(
    '/domains',
    {
      schema: {
        tags,
        summary: 'Add a domain (with a DKIM key); a super-admin may name the tenant',
        body: Type.Object(
          {
            name: DomainName,
            tenant: Type.Optional(Type.Integer({ minimum: 1 })),
            roleMailboxes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20, description: 'local parts of shared role mailboxes to create with the domain, e.g. info, support' })),
            roleMembers: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { maxItems: 100, description: 'users who become members of every role mailbox created' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([DomainInfo, Type.Object({ roleMailboxes: Type.Array(Type.String()) })]), ...ERRORS },
      },
    },
    async (request, reply) => {
      const ctx = adminContext(request);
      const added = await addDomain(ctx, { name: request.body.name, tenant: request.body.tenant });
      const roles = await createRoleMailboxes(ctx, added.name, request.body.roleMailboxes ?? [], request.body.roleMembers ?? []);
      return reply.code(201).send({ ...added, roleMailboxes: roles.map((r) => r.address) });
    },
  );
  api.get('/domains/:domain', { schema: { tags, summary: 'A domain with its DKIM keys', params: DomainParams, response: { 200: DomainInfo, ...ERRORS } } }, async (request) =>
    getDomain(adminContext(request), { domain: request.params.domain }),
  );
  api.delete(
    '/domains/:domain',
    { schema: { tags, summary: 'Remove a domain; with force=true its accounts too', params: DomainParams, querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }), response: { 200: Removed, ...ERRORS } } },
    async (request) => removeDomain(adminContext(request), { domain: request.params.domain, force: request.query.force }),
  );
  api.put(
    '/domains/:domain/catch-all',
    {
      schema: {
        tags,
        summary: 'Where mail to unknown local parts goes (null: nowhere)',
        params: DomainParams,
        body: Type.Object({ target: Type.Union([Type.String({ minLength: 3, maxLength: 320 }), Type.Null()]) }, { additionalProperties: false }),
        response: { 200: DomainSummary, ...ERRORS },
      },
    },
    async (request) => setCatchAll(adminContext(request), { domain: request.params.domain, target: request.body.target }),
  );
  api.post(
    '/domains/:domain/aliases',
    {
      schema: {
        tags,
        summary: 'Make another domain an alias of this one (every address here also at the alias)',
        params: DomainParams,
        body: Type.Object({ alias: DomainName }, { additionalProperties: false }),
        response: { 201: DomainSummary, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await addDomainAlias(adminContext(request), { alias: request.body.alias, target: request.params.domain })),
  );
  api.delete(
    '/domains/:domain/aliases/:alias',
    { schema: { tags, summary: 'Remove an alias domain of this domain', params: Type.Object({ domain: DomainName, alias: DomainName }), response: { 200: Removed, ...ERRORS } } },
    async (request) => {
      const ctx = adminContext(request);
      const [target, alias] = await Promise.all([getDomain(ctx, { domain: request.params.domain }), getDomain(ctx, { domain: request.params.alias })]);
      if (alias.aliasOf !== target.name) throw new DirectoryError('not_found', `${alias.name} is not an alias of ${target.name}`, 'alias');
      return removeDomainAlias(ctx, { alias: alias.name });
    },
  );
  api.get('/domains/:domain/dns-records', { schema: { tags, summary: 'The DNS records to publish for the domain', params: DomainParams, response: { 200: Page(DnsRecord), ...ERRORS } } }, async (request) => ({
    items: await domainDnsRecords(adminContext(request), { domain: request.params.domain, server: deps.server }),
    next: null,
  }));
  api.get('/domains/:domain/dkim-keys', { schema: { tags, summary: 'Published DKIM keys', params: DomainParams, response: { 200: Page(DkimKey), ...ERRORS } } }, async (request) => ({
    items: await listDkimKeys(adminContext(request), { domain: request.params.domain }),
    next: null,
  }));
  api.post(
    '/domains/:domain/dkim-keys/rotate',
    {
      schema: {
        tags,
        summary: 'Start a DKIM rotation: the new key is published now and signs after activateAfterMs (default 48 h), or with manual=true only when activated',
        params: DomainParams,
        querystring: Type.Object({ activateAfterMs: Type.Optional(Type.Integer({ minimum: 0 })), manual: Type.Optional(Type.Boolean()) }),
        response: { 201: DkimKey, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { activateAfterMs, manual } = request.query;
      return reply.code(201).send(await rotateDkimKey(adminContext(request), { domain: request.params.domain, activateAfterMs: manual ? null : activateAfterMs }));
    },
  );
  api.post('/domains/:domain/dkim-keys/:selector/activate', { schema: { tags, summary: 'Let a pending key sign now', params: KeyParams, response: { 200: Type.Object({ items: Type.Array(DkimKey) }), ...ERRORS } } }, async (request) => ({
    items: await activateDkimKey(adminContext(request), request.params),
  }));
  api.post('/domains/:domain/dkim-keys/:selector/retire', { schema: { tags, summary: 'Stop a key signing; it stays published until it expires', params: KeyParams, response: { 200: Type.Object({ items: Type.Array(DkimKey) }), ...ERRORS } } }, async (request) => ({
    items: await retireDkimKey(adminContext(request), request.params),
  }));
}
