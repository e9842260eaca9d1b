import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MethodError } from '../../../src/jmap/proto/errors.ts';
import type { Invocation } from '../../../src/jmap/proto/request.ts';
import { evaluatePointer, resolveResultReferences } from '../../../src/jmap/proto/result-reference.ts';

// The responses of RFC 8620 §3.7's example: Email/query, then Email/get of the ids it found, then
// Thread/get of the threads those emails belong to.
const earlier: Invocation[] = [
  ['Email/query', { accountId: 'A1', queryState: 'abcdefg', canCalculateChanges: true, position: 0, total: 101, ids: ['msg1023', 'msg223', 'msg110', 'msg93', 'msg91', 'msg38', 'msg36', 'msg33', 'msg11', 'msg1'] }, 't0'],
  ['Email/get', { accountId: 'A1', state: '123456', list: [{ id: 'msg1023', threadId: 'trd194' }, { id: 'msg223', threadId: 'trd114' }], notFound: [] }, 't1'],
  ['Thread/get', { accountId: 'A1', state: '123456', list: [{ id: 'trd194', emailIds: ['msg1020', 'msg1021', 'msg1023'] }, { id: 'trd114', emailIds: ['msg201', 'msg223'] }], notFound: [] }, 't2'],
];

test('RFC 8620 §3.7 example: /ids, /list/*/threadId and /list/*/emailIds (flattened)', () => {
  assert.deepEqual(resolveResultReferences({ accountId: 'A1', '#ids': { resultOf: 't0', name: 'Email/query', path: '/ids' } }, earlier), {
    accountId: 'A1',
    ids: ['msg1023', 'msg223', 'msg110', 'msg93', 'msg91', 'msg38', 'msg36', 'msg33', 'msg11', 'msg1'],
  });
  assert.deepEqual(resolveResultReferences({ '#ids': { resultOf: 't1', name: 'Email/get', path: '/list/*/threadId' } }, earlier), { ids: ['trd194', 'trd114'] });
  assert.deepEqual(resolveResultReferences({ '#ids': { resultOf: 't2', name: 'Thread/get', path: '/list/*/emailIds' } }, earlier), {
    ids: ['msg1020', 'msg1021', 'msg1023', 'msg201', 'msg223'],
  });
});

test('a reference to a missing call, the wrong name or a missing path is invalidResultReference', () => {
  const type = (args: Record<string, unknown>) => {
    try {
      resolveResultReferences(args, earlier);
    } catch (err) {
      assert.ok(err instanceof MethodError);
      return err.type;
    }
    return 'none';
  };
  assert.equal(type({ '#ids': { resultOf: 't9', name: 'Email/query', path: '/ids' } }), 'invalidResultReference');
  assert.equal(type({ '#ids': { resultOf: 't0', name: 'Email/get', path: '/ids' } }), 'invalidResultReference');
  assert.equal(type({ '#ids': { resultOf: 't0', name: 'Email/query', path: '/nope' } }), 'invalidResultReference');
  assert.equal(type({ '#ids': 'not a reference' }), 'invalidResultReference');
  assert.equal(type({ ids: [], '#ids': { resultOf: 't0', name: 'Email/query', path: '/ids' } }), 'invalidArguments');
});

test('JSON Pointer escapes and array indexes', () => {
  assert.equal(evaluatePointer({ 'a/b': { 'm~n': 7 } }, '/a~1b/m~0n'), 7);
  assert.equal(evaluatePointer({ list: [1, 2, 3] }, '/list/2'), 3);
  assert.throws(() => evaluatePointer({ list: [1] }, '/list/01'), MethodError);
  assert.deepEqual(evaluatePointer({ x: 1 }, ''), { x: 1 });
});
