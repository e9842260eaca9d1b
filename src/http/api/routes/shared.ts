// /api/v1/shared: shared mailboxes for role addresses (support@, info@), their members and send
// rights; and folders a user shares with colleagues.
import { Type } from 'typebox';

import { addShared, addSharedMember, getShared, grantFolder, listShared, removeShared, removeSharedMember, setSendRight } from '../../../admin/shared.ts';
import { adminContext } from '../auth.ts';
import { pageOf } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Address = Type.String({ minLength: 3, maxLength: 320 });
const Rights = Type.String({ maxLength: 32, description: 'RFC 4314 rights, e.g. lrswipkxte' });
const MemberOptions = { rights: Type.Optional(Rights), sendAs: Type.Optional(Type.Boolean()), sendOnBehalf: Type.Optional(Type.Boolean()) };
const AddressParams = Type.Object({ address: Address });

const SharedMember = Type.Object({ address: Type.String(), rights: Type.String(), sendAs: Type.Boolean(), sendOnBehalf: Type.Boolean() }, { additionalProperties: true });
const Shared = Type.Object(
  { id: Type.Integer(), tenantId: Type.Integer(), address: Type.String(), displayName: Type.String(), quotaBytes: Type.Integer(), usedBytes: Type.Integer(), members: Type.Array(SharedMember) },
  { additionalProperties: true },
);

export function sharedRoutes(api: Api): void {
  const tags = ['shared'];
  api.get(
    '/shared',
    { schema: { tags, summary: 'Shared mailboxes at the domains the caller administers', querystring: Type.Object({ ...PAGE_FIELDS, domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })) }), response: { 200: Page(Shared), ...ERRORS } } },
    async (request) => pageOf(await listShared(adminContext(request), { domain: request.query.domain }), (s) => s.address, request.query, (s) => [s.address, s.displayName]),
  );
  api.post(
    '/shared',
    {
      schema: {
        tags,
        summary: 'Add a shared mailbox, optionally with members who all get the same rights',
        body: Type.Object(
          { address: Address, displayName: Type.Optional(Type.String({ maxLength: 200 })), quotaBytes: Type.Optional(Type.Integer({ minimum: 0 })), members: Type.Optional(Type.Array(Address, { maxItems: 1000 })), ...MemberOptions },
          { additionalProperties: false },
        ),
        response: { 201: Shared, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await addShared(adminContext(request), request.body)),
  );
  api.get('/shared/:address', { schema: { tags, summary: 'A shared mailbox with its members', params: AddressParams, response: { 200: Shared, ...ERRORS } } }, async (request) =>
    getShared(adminContext(request), { address: request.params.address }),
  );
  api.delete('/shared/:address', { schema: { tags, summary: 'Remove a shared mailbox with its mail', params: AddressParams, response: { 200: Type.Object({ address: Type.String() }), ...ERRORS } } }, async (request) =>
    removeShared(adminContext(request), { address: request.params.address }),
  );
  api.post(
    '/shared/:address/members',
    { schema: { tags, summary: 'Add a member (IMAP ACL rights on every folder, send rights)', params: AddressParams, body: Type.Object({ member: Address, ...MemberOptions }, { additionalProperties: false }), response: { 201: SharedMember, ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await addSharedMember(adminContext(request), { address: request.params.address, ...request.body })),
  );
  api.delete(
    '/shared/:address/members/:member',
    { schema: { tags, summary: 'Remove a member', params: Type.Object({ address: Address, member: Address }), response: { 200: Type.Object({ address: Type.String(), member: Type.String() }), ...ERRORS } } },
    async (request) => removeSharedMember(adminContext(request), request.params),
  );
  api.put(
    '/shared/:address/send-rights',
    {
      schema: {
        tags,
        summary: 'Grant or withdraw send-as / send-on-behalf on a shared mailbox\'s (or a user\'s) address',
        params: AddressParams,
        body: Type.Object({ grantee: Address, kind: Type.Enum(['send-as', 'send-on-behalf']), granted: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ address: Type.String(), grantee: Type.String(), kind: Type.String(), granted: Type.Boolean() }), ...ERRORS },
      },
    },
    async (request) => setSendRight(adminContext(request), { address: request.params.address, ...request.body }),
  );
  api.put(
    '/shared/:address/folder-grants',
    {
      schema: {
        tags,
        summary: 'Share one folder of a user (the address) with a colleague; rights "" withdraws it',
        params: AddressParams,
        body: Type.Object({ folder: Type.String({ minLength: 1, maxLength: 1000 }), grantee: Address, rights: Rights }, { additionalProperties: false }),
        response: { 200: Type.Object({ owner: Type.String(), folder: Type.String(), grantee: Type.String(), rights: Type.String() }), ...ERRORS },
      },
    },
    async (request) => grantFolder(adminContext(request), { owner: request.params.address, ...request.body }),
  );
}
