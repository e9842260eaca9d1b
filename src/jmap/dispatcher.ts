import { MethodError } from './proto/errors.ts';
import type { Invocation, JmapRequest, JmapResponse } from './proto/request.ts';
import { resolveResultReferences } from './proto/result-reference.ts';

/** What a method sees of the request it runs in, besides its own arguments. */
export interface MethodCall<Session> {
  session: Session;
  /** Capabilities the client named in `using`. */
  using: ReadonlySet<string>;
  /** Creation id -> id for everything created so far in this request (RFC 8620 §5.3 `#id`). */
  createdIds: Map<string, string>;
  /** Adds a response after this method's own, e.g. the implicit Email/set of Email/copy (RFC 8620 §5.4). */
  emit(name: string, args: Record<string, unknown>): void;
}

export interface JmapMethod<Session> {
  /** The capability the method belongs to; it must be in the request's `using`. */
  capability: string;
  run(args: Record<string, unknown>, call: MethodCall<Session>): Promise<Record<string, unknown>>;
}

export type MethodRegistry<Session> = ReadonlyMap<string, JmapMethod<Session>>;

/**
 * Runs a request's method calls in order (RFC 8620 §3.3): each sees the responses before it
 * through result references, a failing call answers `error` in its place and the next one
 * still runs. Unexpected exceptions become `serverFail`, never a failed HTTP request.
 */
export async function runRequest<Session>(
  request: JmapRequest,
  methods: MethodRegistry<Session>,
  session: Session,
  sessionState: () => Promise<string>,
  onFailure: (err: unknown, method: string) => void,
): Promise<JmapResponse> {
  const using = new Set(request.using);
  const createdIds = new Map(Object.entries(request.createdIds ?? {}));
  const responses: Invocation[] = [];
  for (const [name, rawArgs, callId] of request.methodCalls) {
    const extra: Invocation[] = [];
    try {
      const method = methods.get(name);
      if (!method || !using.has(method.capability)) throw new MethodError('unknownMethod', `unknown method ${name}${method ? ` (add ${method.capability} to "using")` : ''}`);
      const args = resolveResultReferences(rawArgs, responses);
      const result = await method.run(args, { session, using, createdIds, emit: (n, a) => extra.push([n, a, callId]) });
      responses.push([name, result, callId], ...extra);
    } catch (err) {
      if (err instanceof MethodError) {
        responses.push(['error', err.toArguments(), callId]);
      } else {
        onFailure(err, name);
        responses.push(['error', { type: 'serverFail', description: 'the server failed to run this method' }, callId]);
      }
    }
  }
  return {
    methodResponses: responses,
    ...(request.createdIds ? { createdIds: Object.fromEntries(createdIds) } : {}),
    sessionState: await sessionState(),
  };
}
