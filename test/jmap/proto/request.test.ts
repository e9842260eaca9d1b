import assert from 'node:assert/strict';
import { test } from 'node:test';

import { REQUEST_ERROR } from '../../../src/jmap/proto/errors.ts';
import { isRequestProblem, parseRequest } from '../../../src/jmap/proto/request.ts';

const limits = { maxSizeRequest: 10_000, maxCallsInRequest: 4 };
const supported = new Set(['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail']);

function problemType(body: string): string {
  const result = parseRequest(body, limits, supported);
  assert.ok(isRequestProblem(result), `expected a problem for ${body}`);
  return result.type;
}

test('the RFC 8620 §3.3.1 example request parses', () => {
  const body = JSON.stringify({
    using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
    methodCalls: [
      ['method1', { arg1: 'arg1data', arg2: 'arg2data' }, 'c1'],
      ['method2', { arg1: 'arg1data' }, 'c2'],
      ['method3', {}, 'c3'],
    ],
  });
  const request = parseRequest(body, limits, supported);
  assert.ok(!isRequestProblem(request));
  assert.equal(request.methodCalls.length, 3);
  assert.deepEqual(request.methodCalls[2], ['method3', {}, 'c3']);
});

test('request-level errors are the RFC 8620 §3.6.1 problem types', () => {
  assert.equal(problemType('{not json'), REQUEST_ERROR.notJSON);
  assert.equal(problemType('[]'), REQUEST_ERROR.notRequest);
  assert.equal(problemType('{"using":["urn:ietf:params:jmap:core"]}'), REQUEST_ERROR.notRequest);
  assert.equal(problemType('{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["a",{}]]}'), REQUEST_ERROR.notRequest);
  assert.equal(problemType('{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["a",[],"c"]]}'), REQUEST_ERROR.notRequest);
  assert.equal(problemType('{"using":["urn:example:nope"],"methodCalls":[]}'), REQUEST_ERROR.unknownCapability);
});

test('limits are named in the problem', () => {
  const tooMany = parseRequest(JSON.stringify({ using: [], methodCalls: Array.from({ length: 5 }, (_, i) => ['Core/echo', {}, `c${i}`]) }), limits, supported);
  assert.ok(isRequestProblem(tooMany));
  assert.equal(tooMany.type, REQUEST_ERROR.limit);
  assert.equal(tooMany.limit, 'maxCallsInRequest');
  const tooBig = parseRequest(JSON.stringify({ using: [], methodCalls: [['Core/echo', { pad: 'x'.repeat(20_000) }, 'c']] }), limits, supported);
  assert.ok(isRequestProblem(tooBig));
  assert.equal(tooBig.limit, 'maxSizeRequest');
});
