// /api/v1/admins: delegation. Super-admins make tenant admins; tenant admins make domain admins of their own domains.
import { Type } from 'typebox';

import { grantAdmin, listAdmins, revokeAdmin } from '../../../admin/admins.ts';
import { adminContext } from '../auth.ts';
import { pageOf, principalRef } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Role = Type.Enum(['super-admin', 'tenant-admin', 'domain-admin']);
const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) });
const Domains = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 1000 });

const AdminSummary = Type.Object(
  { id: Type.Integer(), login: Type.String(), displayName: Type.String(), role: Type.String(), tenantId: Type.Integer(), tenant: Type.String(), domains: Type.Array(Type.String()) },
  { additionalProperties: true },
);

export function adminRoutes(api: Api): void {
  const tags = ['admins'];
  api.get(
    '/admins',
    { schema: { tags, summary: 'Administrators the caller may see', querystring: Type.Object({ ...PAGE_FIELDS, tenant: Type.Optional(Type.Integer({ minimum: 1 })) }), response: { 200: Page(AdminSummary), ...ERRORS } } },
    async (request) => pageOf(await listAdmins(adminContext(request), { tenant: request.query.tenant }), (a) => a.login, request.query, (a) => [a.login, a.displayName]),
  );
  api.put(
    '/admins/:user',
    {
      schema: {
        tags,
        summary: 'Give a user an administrator role (a domain admin: for the domains listed, added to those it has)',
        params: UserParams,
        body: Type.Object({ role: Role, domains: Type.Optional(Domains) }, { additionalProperties: false }),
        response: { 200: AdminSummary, ...ERRORS },
      },
    },
    async (request) => grantAdmin(adminContext(request), { user: principalRef(request.params.user), ...request.body }),
  );
  api.delete(
    '/admins/:user',
    {
      schema: {
        tags,
        summary: 'Take the role back (a domain admin: only the domains listed, when given)',
        params: UserParams,
        querystring: Type.Object({ domains: Type.Optional(Domains) }),
        response: { 200: Type.Object({ login: Type.String(), role: Type.String() }), ...ERRORS },
      },
    },
    async (request) => revokeAdmin(adminContext(request), { user: principalRef(request.params.user), domains: request.query.domains }),
  );
}
