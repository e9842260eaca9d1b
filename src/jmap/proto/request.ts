import { requestProblem, type RequestProblem } from './errors.ts';

/** RFC 8620 §3.2: [name, arguments, method call id]. */
export type Invocation = [name: string, args: Record<string, unknown>, callId: string];

export interface JmapRequest {
  using: string[];
  methodCalls: Invocation[];
  /** Creation id -> server id, carried across requests by clients that want it (§3.3). */
  createdIds?: Record<string, string>;
}

export interface JmapResponse {
  methodResponses: Invocation[];
  createdIds?: Record<string, string>;
  sessionState: string;
}

export interface RequestLimits {
  maxSizeRequest: number;
  maxCallsInRequest: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses and checks a request body (RFC 8620 §3.3) before anything runs: a body that is not
 * JSON, not a Request, too big, with too many calls, or using a capability we do not have is
 * refused as a whole (§3.6.1).
 */
export function parseRequest(body: string, limits: RequestLimits, supported: ReadonlySet<string>): JmapRequest | RequestProblem {
  if (Buffer.byteLength(body) > limits.maxSizeRequest) return requestProblem('limit', `the request is larger than maxSizeRequest (${limits.maxSizeRequest} octets)`, 'maxSizeRequest');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return requestProblem('notJSON', 'the request body is not valid JSON');
  }
  if (!isObject(parsed)) return requestProblem('notRequest', 'the request must be a JSON object');
  const { using, methodCalls, createdIds } = parsed;
  if (!Array.isArray(using) || !using.every((u) => typeof u === 'string')) return requestProblem('notRequest', '"using" must be an array of capability strings');
  if (!Array.isArray(methodCalls)) return requestProblem('notRequest', '"methodCalls" must be an array');
  for (const [i, call] of methodCalls.entries()) {
    if (!Array.isArray(call) || call.length !== 3 || typeof call[0] !== 'string' || !isObject(call[1]) || typeof call[2] !== 'string') {
      return requestProblem('notRequest', `methodCalls[${i}] must be [name, arguments object, call id]`);
    }
  }
  if (createdIds !== undefined && (!isObject(createdIds) || !Object.values(createdIds).every((v) => typeof v === 'string'))) {
    return requestProblem('notRequest', '"createdIds" must map creation ids to ids');
  }
  if (methodCalls.length > limits.maxCallsInRequest) return requestProblem('limit', `at most ${limits.maxCallsInRequest} method calls per request`, 'maxCallsInRequest');
  const unknown = (using as string[]).filter((u) => !supported.has(u));
  if (unknown.length > 0) return requestProblem('unknownCapability', `unsupported capabilities: ${unknown.join(', ')}`);
  return { using: using as string[], methodCalls: methodCalls as Invocation[], ...(createdIds ? { createdIds: createdIds as Record<string, string> } : {}) };
}

export function isRequestProblem(value: JmapRequest | RequestProblem): value is RequestProblem {
  return 'status' in value;
}
