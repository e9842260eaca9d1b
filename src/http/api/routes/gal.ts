// /api/v1/gal: the global address list, searchable by every signed-in user of the organisation.
import { Type } from 'typebox';

import { searchGal, setGalAttributes } from '../../../admin/gal.ts';
import { adminContext } from '../auth.ts';
import { principalRef } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const GalEntry = Type.Object(
  { id: Type.Integer(), kind: Type.String(), name: Type.String(), address: Type.String(), title: Type.String(), department: Type.Union([Type.String(), Type.Null()]), phone: Type.String() },
  { additionalProperties: true },
);

export function galRoutes(api: Api): void {
  const tags = ['gal'];
  api.get(
    '/gal',
    {
      schema: {
        tags,
        summary: 'Search the global address list (name, address, title, department), ordered by name',
        querystring: Type.Object({ ...PAGE_FIELDS, tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: the tenant; default your own' })) }),
        response: { 200: Page(GalEntry), ...ERRORS },
      },
    },
    async (request) => {
      const { limit, after, q, tenant } = request.query;
      return searchGal(adminContext(request), { limit, after, query: q, tenant });
    },
  );
  api.patch(
    '/gal/:principal',
    {
      schema: {
        tags,
        summary: 'Change an entry\'s title or phone, or hide it from the list',
        params: Type.Object({ principal: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) }),
        body: Type.Object({ title: Type.Optional(Type.String({ maxLength: 200 })), phone: Type.Optional(Type.String({ maxLength: 64 })), hidden: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Intersect([GalEntry, Type.Object({ hidden: Type.Boolean() })]), ...ERRORS },
      },
    },
    async (request) => setGalAttributes(adminContext(request), { principal: principalRef(request.params.principal), ...request.body }),
  );
}
