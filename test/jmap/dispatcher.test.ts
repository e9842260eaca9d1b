import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runRequest, type JmapMethod } from '../../src/jmap/dispatcher.ts';
import { MethodError } from '../../src/jmap/proto/errors.ts';

const CORE = 'urn:ietf:params:jmap:core';
const MAIL = 'urn:ietf:params:jmap:mail';

const methods = new Map<string, JmapMethod<{ user: string }>>([
  ['Core/echo', { capability: CORE, run: async (args) => args }],
  ['Test/count', { capability: MAIL, run: async (args) => ({ ids: ['a', 'b', 'c'].slice(0, Number(args.n)) }) }],
  ['Test/who', { capability: MAIL, run: async (args, call) => ({ user: call.session.user, ids: args.ids }) }],
  ['Test/refuse', { capability: MAIL, run: async () => { throw new MethodError('forbidden', 'no'); } }],
  ['Test/crash', { capability: MAIL, run: async () => { throw new Error('bug'); } }],
  [
    'Test/create',
    {
      capability: MAIL,
      run: async (args, call) => {
        call.createdIds.set(String(args.creationId), 'server-1');
        call.emit('Test/implicit', { created: 'server-1' });
        return { created: { [String(args.creationId)]: { id: 'server-1' } } };
      },
    },
  ],
]);

test('methods run in order; a failed call answers error in its place and the rest still run', async () => {
  const failures: string[] = [];
  const response = await runRequest(
    {
      using: [CORE, MAIL],
      methodCalls: [
        ['Test/count', { n: 2 }, 'c1'],
        ['Test/refuse', {}, 'c2'],
        ['Test/who', { '#ids': { resultOf: 'c1', name: 'Test/count', path: '/ids' } }, 'c3'],
        ['Test/crash', {}, 'c4'],
        ['Nope/get', {}, 'c5'],
        ['Core/echo', { hello: true }, 'c6'],
      ],
    },
    methods,
    { user: 'alice' },
    async () => 'state-7',
    (_err, method) => failures.push(method),
  );
  assert.deepEqual(response.methodResponses, [
    ['Test/count', { ids: ['a', 'b'] }, 'c1'],
    ['error', { type: 'forbidden', description: 'no' }, 'c2'],
    ['Test/who', { user: 'alice', ids: ['a', 'b'] }, 'c3'],
    ['error', { type: 'serverFail', description: 'the server failed to run this method' }, 'c4'],
    ['error', { type: 'unknownMethod', description: 'unknown method Nope/get' }, 'c5'],
    ['Core/echo', { hello: true }, 'c6'],
  ]);
  assert.equal(response.sessionState, 'state-7');
  assert.deepEqual(failures, ['Test/crash']);
  assert.equal(response.createdIds, undefined);
});

test('a method whose capability is not in "using" is unknownMethod (RFC 8620 §3.3)', async () => {
  const response = await runRequest({ using: [CORE], methodCalls: [['Test/count', { n: 1 }, 'c1']] }, methods, { user: 'a' }, async () => 's', () => {});
  assert.equal(response.methodResponses[0][0], 'error');
  assert.equal(response.methodResponses[0][1].type, 'unknownMethod');
});

test('createdIds are echoed with what the request created, and implicit responses follow', async () => {
  const response = await runRequest(
    { using: [CORE, MAIL], methodCalls: [['Test/create', { creationId: 'k1' }, 'c1']], createdIds: { old: 'server-0' } },
    methods,
    { user: 'a' },
    async () => 's',
    () => {},
  );
  assert.deepEqual(response.createdIds, { old: 'server-0', k1: 'server-1' });
  assert.deepEqual(response.methodResponses.map((r) => [r[0], r[2]]), [['Test/create', 'c1'], ['Test/implicit', 'c1']]);
});
