// /api/v1/signature-template: the organisation-wide signature template (tenant admins; a
// super-admin adds ?tenant=ID), and /api/v1/me/signature: the caller's signature rendered from it.
import { Type } from 'typebox';

import { getSignatureTemplate, mySignature, setSignatureTemplate } from '../../../admin/signatures.ts';
import { adminContext } from '../auth.ts';
import { ERRORS, type Api } from '../schemas.ts';

const PLACEHOLDER_HELP = 'placeholders {{name}}, {{email}}, {{title}}, {{department}}, {{phone}}, {{organisation}}; a line whose value is missing is left out';
const Signature = Type.Object({ text: Type.String(), html: Type.String() });
const TenantQuery = Type.Object({ tenant: Type.Optional(Type.Integer({ minimum: 1, description: 'super-admin: the tenant; default your own' })) });

export function signatureRoutes(api: Api): void {
  const tags = ['signatures'];
  api.get(
    '/signature-template',
    { schema: { tags, summary: 'The organisation-wide signature template (empty strings when none is set)', querystring: TenantQuery, response: { 200: Signature, ...ERRORS } } },
    async (request) => getSignatureTemplate(adminContext(request), { tenant: request.query.tenant }),
  );
  api.put(
    '/signature-template',
    {
      schema: {
        tags,
        summary: 'Set the organisation-wide signature template; two empty strings remove it',
        description: PLACEHOLDER_HELP,
        querystring: TenantQuery,
        body: Type.Object({ text: Type.String({ maxLength: 20000 }), html: Type.String({ maxLength: 20000 }) }, { additionalProperties: false }),
        response: { 200: Signature, ...ERRORS },
      },
    },
    async (request) => setSignatureTemplate(adminContext(request), { ...request.body, tenant: request.query.tenant }),
  );
  api.get(
    '/me/signature',
    { schema: { tags: ['me'], summary: 'Your signature as the organisation template renders it (empty strings when there is none)', response: { 200: Signature, ...ERRORS } } },
    async (request) => mySignature(adminContext(request)),
  );
}
