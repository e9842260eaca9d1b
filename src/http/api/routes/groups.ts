// /api/v1/groups: distribution lists, their members (users, groups, org units) and who may send to them.
import { Type } from 'typebox';

import { addGroup, addGroupMember, getGroup, listGroupMembers, listGroups, removeGroup, removeGroupMember, setGroupSendPolicy } from '../../../admin/groups.ts';
import { adminContext } from '../auth.ts';
import { pageOf, principalRef } from '../paging.ts';
import { ERRORS, Page, PAGE_FIELDS, type Api } from '../schemas.ts';

const Address = Type.String({ minLength: 3, maxLength: 320 });
const Member = Type.String({ minLength: 1, maxLength: 320, description: 'an address, or unit:PATH for everyone in an org unit' });
const SendPolicy = Type.Enum(['anyone', 'members', 'organisation', 'listed']);
const GroupParams = Type.Object({ group: Type.String({ minLength: 1, maxLength: 320, description: 'id or address' }) });

const Group = Type.Object(
  {
    id: Type.Integer(),
    address: Type.String(),
    displayName: Type.String(),
    aliases: Type.Array(Type.String()),
    sendPolicy: SendPolicy,
    allowedSenders: Type.Array(Type.String()),
    members: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

const GroupMember = Type.Object({ address: Type.String(), kind: Type.Enum(['user', 'group', 'unit']), displayName: Type.String() }, { additionalProperties: true });
const Membership = Type.Object({ group: Type.String(), member: Type.String() });

export function groupRoutes(api: Api): void {
  const tags = ['groups'];
  api.get(
    '/groups',
    { schema: { tags, summary: 'Groups at the domains the caller administers', querystring: Type.Object({ ...PAGE_FIELDS, domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })) }), response: { 200: Page(Group), ...ERRORS } } },
    async (request) => pageOf(await listGroups(adminContext(request), { domain: request.query.domain }), (g) => g.address, request.query, (g) => [g.address, g.displayName, ...g.aliases]),
  );
  api.post(
    '/groups',
    {
      schema: {
        tags,
        summary: 'Add a group',
        body: Type.Object(
          {
            address: Address,
            displayName: Type.Optional(Type.String({ maxLength: 200 })),
            members: Type.Optional(Type.Array(Member, { maxItems: 10_000 })),
            sendPolicy: Type.Optional(SendPolicy),
            allowedSenders: Type.Optional(Type.Array(Address, { maxItems: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Group, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await addGroup(adminContext(request), request.body)),
  );
  api.get('/groups/:group', { schema: { tags, summary: 'A group', params: GroupParams, response: { 200: Group, ...ERRORS } } }, async (request) =>
    getGroup(adminContext(request), { group: principalRef(request.params.group) }),
  );
  api.delete('/groups/:group', { schema: { tags, summary: 'Remove a group', params: GroupParams, response: { 200: Type.Object({ removed: Type.String() }), ...ERRORS } } }, async (request) =>
    removeGroup(adminContext(request), { group: principalRef(request.params.group) }),
  );
  api.put(
    '/groups/:group/send-policy',
    {
      schema: {
        tags,
        summary: 'Who may send to the group; allowedSenders (for listed) replaces the list when given',
        params: GroupParams,
        body: Type.Object({ sendPolicy: SendPolicy, allowedSenders: Type.Optional(Type.Array(Address, { maxItems: 10_000 })) }, { additionalProperties: false }),
        response: { 200: Group, ...ERRORS },
      },
    },
    async (request) => setGroupSendPolicy(adminContext(request), { group: principalRef(request.params.group), ...request.body }),
  );
  api.get(
    '/groups/:group/members',
    {
      schema: {
        tags,
        summary: 'Direct members; with expand=true every person the group delivers to',
        params: GroupParams,
        querystring: Type.Object({ ...PAGE_FIELDS, expand: Type.Optional(Type.Boolean()) }),
        response: { 200: Page(GroupMember), ...ERRORS },
      },
    },
    async (request) =>
      pageOf(await listGroupMembers(adminContext(request), { group: principalRef(request.params.group), expand: request.query.expand }), (m) => m.address, request.query, (m) => [m.address, m.displayName]),
  );
  api.post(
    '/groups/:group/members',
    { schema: { tags, summary: 'Add a member', params: GroupParams, body: Type.Object({ member: Member }, { additionalProperties: false }), response: { 201: Membership, ...ERRORS } } },
    async (request, reply) => reply.code(201).send(await addGroupMember(adminContext(request), { group: principalRef(request.params.group), member: request.body.member })),
  );
  api.delete(
    '/groups/:group/members/:member',
    { schema: { tags, summary: 'Remove a member', params: Type.Object({ group: GroupParams.properties.group, member: Member }), response: { 200: Membership, ...ERRORS } } },
    async (request) => removeGroupMember(adminContext(request), { group: principalRef(request.params.group), member: request.params.member }),
  );
}
