/**
 * JMAP errors (RFC 8620 §3.6). Request-level problems answer the whole HTTP request with an
 * RFC 7807 problem document; method-level errors become an `error` invocation in place of the
 * method's response and let the rest of the request go on.
 */

export const REQUEST_ERROR = {
  unknownCapability: 'urn:ietf:params:jmap:error:unknownCapability',
  notJSON: 'urn:ietf:params:jmap:error:notJSON',
  notRequest: 'urn:ietf:params:jmap:error:notRequest',
  limit: 'urn:ietf:params:jmap:error:limit',
} as const;

/** RFC 7807 problem details, as RFC 8620 §3.6.1 uses them. */
export interface RequestProblem {
  type: string;
  status: number;
  detail: string;
  /** For `limit`: the name of the limit that was exceeded. */
  limit?: string;
}

export function requestProblem(type: keyof typeof REQUEST_ERROR, detail: string, limit?: string): RequestProblem {
  return { type: REQUEST_ERROR[type], status: 400, detail, ...(limit ? { limit } : {}) };
}

/** The method-level error types of RFC 8620 §3.6.2 and §5, and RFC 8621's own. */
export type MethodErrorType =
  | 'serverUnavailable'
  | 'serverFail'
  | 'serverPartialFail'
  | 'unknownMethod'
  | 'invalidArguments'
  | 'invalidResultReference'
  | 'forbidden'
  | 'accountNotFound'
  | 'accountNotSupportedByMethod'
  | 'accountReadOnly'
  | 'requestTooLarge'
  | 'stateMismatch'
  | 'cannotCalculateChanges'
  | 'anchorNotFound'
  | 'unsupportedSort'
  | 'unsupportedFilter'
  | 'tooManyChanges'
  | 'fromAccountNotFound'
  | 'fromAccountNotSupportedByMethod';

/** Thrown by a method handler; the dispatcher turns it into the `error` invocation. */
export class MethodError extends Error {
  constructor(
    readonly type: MethodErrorType,
    readonly description?: string,
    /** Extra properties some errors carry, e.g. `arguments` naming the bad ones. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description ?? type);
  }

  toArguments(): Record<string, unknown> {
    return { type: this.type, ...(this.description ? { description: this.description } : {}), ...this.extra };
  }
}

export function invalidArguments(description: string, argumentName?: string): MethodError {
  return new MethodError('invalidArguments', description, argumentName ? { arguments: [argumentName] } : {});
}
