// /api/v1/tenants: organisations and their plan limits (super-admins change them; an organisation's admins read their own).
import { Type } from 'typebox';

import { createTenant, getTenant, listTenants, removeTenant, updateTenant } from '../../../admin/tenants.ts';
import { adminContext } from '../auth.ts';
import { pageOf } from '../paging.ts';
import { ERRORS, IdParams, Page, PageQuery, type Api } from '../schemas.ts';

const Limits = {
  maxUsers: Type.Integer({ minimum: 0, description: '0: unlimited' }),
  maxDomains: Type.Integer({ minimum: 0, description: '0: unlimited' }),
  maxStorage: Type.Integer({ minimum: 0, description: 'bytes; 0: unlimited' }),
};

const TenantInfo = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    displayName: Type.String(),
    limits: Type.Object(Limits),
    usage: Type.Object({ users: Type.Integer(), domains: Type.Integer(), storageBytes: Type.Integer() }),
    createdAt: Type.Integer({ description: 'milliseconds since the epoch' }),
  },
  { additionalProperties: true },
);

const TenantChanges = {
  displayName: Type.Optional(Type.String({ maxLength: 200 })),
  maxUsers: Type.Optional(Limits.maxUsers),
  maxDomains: Type.Optional(Limits.maxDomains),
  maxStorage: Type.Optional(Limits.maxStorage),
};

export function tenantRoutes(api: Api): void {
  api.get('/tenants', { schema: { tags: ['tenants'], summary: 'Tenants the caller may see', querystring: PageQuery, response: { 200: Page(TenantInfo), ...ERRORS } } }, async (request) =>
    pageOf(await listTenants(adminContext(request)), (t) => t.name, request.query, (t) => [t.name, t.displayName]),
  );
  api.post(
    '/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (super-admin, tenants:write)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }), ...TenantChanges }, { additionalProperties: false }),
        response: { 201: TenantInfo, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await createTenant(adminContext(request), request.body)),
  );
  api.get('/tenants/:id', { schema: { tags: ['tenants'], summary: 'A tenant with its limits and usage', params: IdParams, response: { 200: TenantInfo, ...ERRORS } } }, async (request) =>
    getTenant(adminContext(request), { tenant: request.params.id }),
  );
  api.patch(
    '/tenants/:id',
    { schema: { tags: ['tenants'], summary: 'Change a tenant\'s name or limits (super-admin)', params: IdParams, body: Type.Object(TenantChanges, { additionalProperties: false }), response: { 200: TenantInfo, ...ERRORS } } },
    async (request) => updateTenant(adminContext(request), { tenant: request.params.id, ...request.body }),
  );
  api.delete(
    '/tenants/:id',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Remove a tenant; with force=true everything in it too',
        params: IdParams,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ removed: Type.String() }), ...ERRORS },
      },
    },
    async (request) => removeTenant(adminContext(request), { tenant: request.params.id, force: request.query.force }),
  );
}
