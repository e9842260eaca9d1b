// /api/v1/units: the organisation's tree of departments. A unit is named by its path (`Sales/EMEA`,
// URL-encoded as Sales%2FEMEA in a path segment); a super-admin adds ?tenant=ID.
import { Type } from 'typebox';

import { addUnit, assignUnit, listUnits, moveUnit, removeUnit, renameUnit, unitMembers } from '../../../admin/units.ts';
import { adminContext } from '../auth.ts';
import { pageOf, principalRef } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Path = Type.String({ minLength: 1, maxLength: 1000, description: 'unit path, e.g. Sales/EMEA' });
const PathParams = Type.Object({ path: Path });
const TenantQuery = { tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: the tenant; default your own' })) };

const OrgUnit = Type.Object({ id: Type.Integer(), tenantId: Type.Integer(), parentId: Type.Union([Type.Integer(), Type.Null()]), name: Type.String(), path: Type.String() }, { additionalProperties: true });
const OrgUnitNode = Type.Object(
  {
    id: Type.Integer(),
    tenantId: Type.Integer(),
    parentId: Type.Union([Type.Integer(), Type.Null()]),
    name: Type.String(),
    path: Type.String(),
    members: Type.Integer({ description: 'principals assigned to this unit itself' }),
    children: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'sub-units, each of this same shape' }),
  },
  { additionalProperties: true },
);
const UnitMember = Type.Object({ id: Type.Integer(), address: Type.String(), kind: Type.String(), displayName: Type.String(), unit: Type.String() }, { additionalProperties: true });

export function unitRoutes(api: Api): void {
  const tags = ['units'];
  api.get('/units', { schema: { tags, summary: 'The unit tree', querystring: Type.Object(TenantQuery), response: { 200: Page(OrgUnitNode), ...ERRORS } } }, async (request) => ({
    items: await listUnits(adminContext(request), { tenant: request.query.tenant }),
    next: null,
  }));
  api.post(
    '/units',
    { schema: { tags, summary: 'Add a unit (its parents must exist)', body: Type.Object({ path: Path, tenant: TenantQuery.tenant }, { additionalProperties: false }), response: { 201: OrgUnit, ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await addUnit(adminContext(request), request.body)),
  );
  api.post(
    '/units/:path/rename',
    { schema: { tags, summary: 'Rename a unit', params: PathParams, querystring: Type.Object(TenantQuery), body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), response: { 200: OrgUnit, ...ERRORS } } },
    async (request) => renameUnit(adminContext(request), { tenant: request.query.tenant, path: request.params.path, name: request.body.name }),
  );
  api.post(
    '/units/:path/move',
    {
      schema: {
        tags,
        summary: 'Move a unit with its whole subtree under another parent (/ for the top)',
        params: PathParams,
        querystring: Type.Object(TenantQuery),
        body: Type.Object({ parent: Path }, { additionalProperties: false }),
        response: { 200: OrgUnit, ...ERRORS },
      },
    },
    async (request) => moveUnit(adminContext(request), { tenant: request.query.tenant, path: request.params.path, parent: request.body.parent }),
  );
  api.delete(
    '/units/:path',
    {
      schema: {
        tags,
        summary: 'Remove a unit and its sub-units; their principals move to rehomeTo (default: no unit)',
        params: PathParams,
        querystring: Type.Object({ ...TenantQuery, rehomeTo: Type.Optional(Path) }),
        response: { 200: Type.Object({ removed: Type.String(), removedUnits: Type.Integer(), rehomedPrincipals: Type.Integer() }), ...ERRORS },
      },
    },
    async (request) => removeUnit(adminContext(request), { tenant: request.query.tenant, path: request.params.path, rehomeTo: request.query.rehomeTo }),
  );
  api.get(
    '/units/:path/members',
    {
      schema: {
        tags,
        summary: 'Principals in the unit (with includeSubunits=true: and below)',
        params: PathParams,
        querystring: Type.Object({ ...PAGE_FIELDS, ...TenantQuery, includeSubunits: Type.Optional(Type.Boolean()) }),
        response: { 200: Page(UnitMember), ...ERRORS },
      },
    },
    async (request) =>
      pageOf(
        await unitMembers(adminContext(request), { tenant: request.query.tenant, path: request.params.path, includeSubunits: request.query.includeSubunits }),
        (m) => m.address,
        request.query,
        (m) => [m.address, m.displayName],
      ),
  );
  api.post(
    '/units/:path/members',
    {
      schema: {
        tags,
        summary: 'Put a user, shared mailbox, group or resource into the unit (path / for none)',
        params: PathParams,
        body: Type.Object({ principal: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ address: Type.String(), unit: Type.Union([Type.String(), Type.Null()]) }), ...ERRORS },
      },
    },
    async (request) => assignUnit(adminContext(request), { principal: principalRef(request.body.principal), path: request.params.path }),
  );
}
