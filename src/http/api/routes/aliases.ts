// /api/v1/aliases: further addresses of users, groups and shared mailboxes.
import { Type } from 'typebox';

import { addAlias, listAliases, removeAlias } from '../../../admin/aliases.ts';
import { adminContext } from '../auth.ts';
import { pageOf } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Address = Type.String({ minLength: 3, maxLength: 320 });
const Alias = Type.Object({ alias: Type.String(), target: Type.String() });

export function aliasRoutes(api: Api): void {
  const tags = ['aliases'];
  api.get(
    '/aliases',
    { schema: { tags, summary: 'Aliases at the domains the caller administers', querystring: Type.Object({ ...PAGE_FIELDS, domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })) }), response: { 200: Page(Alias), ...ERRORS } } },
    async (request) => pageOf(await listAliases(adminContext(request), { domain: request.query.domain }), (a) => a.alias, request.query, (a) => [a.alias, a.target]),
  );
  api.post(
    '/aliases',
    { schema: { tags, summary: 'Add an alias for a user, group or shared mailbox', body: Type.Object({ alias: Address, target: Address }, { additionalProperties: false }), response: { 201: Alias, ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await addAlias(adminContext(request), request.body)),
  );
  api.delete('/aliases/:alias', { schema: { tags, summary: 'Remove an alias', params: Type.Object({ alias: Address }), response: { 200: Type.Object({ removed: Type.String() }), ...ERRORS } } }, async (request) =>
    removeAlias(adminContext(request), { alias: request.params.alias }),
  );
}
