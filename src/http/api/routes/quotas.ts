// /api/v1/quotas: storage quotas and usage per account, unit and tenant, and a domain's default quota.
import { Type } from 'typebox';

import { accountUsage, setAccountQuota, setDomainDefaultQuota, tenantUsage, unitUsage } from '../../../admin/quotas.ts';
import { adminContext } from '../auth.ts';
import { principalRef } from '../paging.ts';
import { ERRORS, type Api } from '../schemas.ts';

const Bytes = Type.Integer({ minimum: 0, description: 'bytes; 0: unlimited' });
const TenantQuery = Type.Object({ tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: the tenant; default your own' })) });
const PrincipalParams = Type.Object({ principal: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) });

const AccountUsage = Type.Object({ id: Type.Integer(), address: Type.String(), kind: Type.String(), usedBytes: Type.Integer(), quotaBytes: Type.Integer() }, { additionalProperties: true });
const Usage = Type.Object({ path: Type.String(), principals: Type.Integer(), usedBytes: Type.Integer() }, { additionalProperties: true });
const UnitUsage = Type.Object({ path: Type.String(), principals: Type.Integer(), usedBytes: Type.Integer(), children: Type.Array(Usage) }, { additionalProperties: true });
const TenantStorage = Type.Object({ tenantId: Type.Integer(), principals: Type.Integer(), usedBytes: Type.Integer(), maxStorageBytes: Type.Integer() }, { additionalProperties: true });

export function quotaRoutes(api: Api): void {
  const tags = ['quotas'];
  api.get('/quotas/tenant', { schema: { tags, summary: 'Storage used by the whole tenant, and its limit', querystring: TenantQuery, response: { 200: TenantStorage, ...ERRORS } } }, async (request) =>
    tenantUsage(adminContext(request), { tenant: request.query.tenant }),
  );
  api.get(
    '/quotas/units/:path',
    { schema: { tags, summary: 'Storage used in a unit and below (path URL-encoded)', params: Type.Object({ path: Type.String({ minLength: 1, maxLength: 1000 }) }), querystring: TenantQuery, response: { 200: UnitUsage, ...ERRORS } } },
    async (request) => unitUsage(adminContext(request), { tenant: request.query.tenant, path: request.params.path }),
  );
  api.get('/quotas/accounts/:principal', { schema: { tags, summary: 'An account\'s quota and usage', params: PrincipalParams, response: { 200: AccountUsage, ...ERRORS } } }, async (request) =>
    accountUsage(adminContext(request), { principal: principalRef(request.params.principal) }),
  );
  api.put(
    '/quotas/accounts/:principal',
    { schema: { tags, summary: 'Set an account\'s quota', params: PrincipalParams, body: Type.Object({ quotaBytes: Bytes }, { additionalProperties: false }), response: { 200: AccountUsage, ...ERRORS } } },
    async (request) => setAccountQuota(adminContext(request), { principal: principalRef(request.params.principal), quotaBytes: request.body.quotaBytes }),
  );
  api.put(
    '/quotas/domains/:domain',
    {
      schema: {
        tags,
        summary: 'The quota new accounts at the domain get',
        params: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }),
        body: Type.Object({ quotaBytes: Bytes }, { additionalProperties: false }),
        response: { 200: Type.Object({ domain: Type.String(), defaultQuotaBytes: Type.Integer() }), ...ERRORS },
      },
    },
    async (request) => setDomainDefaultQuota(adminContext(request), { domain: request.params.domain, quotaBytes: request.body.quotaBytes }),
  );
}
