// Refusals as JSON: every error of the admin API is { error: { code, message, field? } } with the
// HTTP status its code stands for; nothing reaches a client as a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import { DirectoryError, type DirectoryErrorCode } from '../../directory/errors.ts';

/**
 * `limit` (a plan limit of the tenant is reached) is 409: the request is fine and allowed, it
 * conflicts with the current state of the organisation and succeeds once a user or domain goes.
 */
export const STATUS_OF: Record<DirectoryErrorCode, number> = { invalid: 400, not_found: 404, conflict: 409, limit: 409, forbidden: 403 };

/** No credentials, or ones that open nothing: RFC 6750 §3 says how to tell the client. */
export class Unauthenticated extends Error {
  constructor(
    message: string,
    /** A token was given but is unknown, expired or revoked (error="invalid_token"). */
    readonly invalidToken: boolean,
  ) {
    super(message);
  }
}

export interface ErrorPayload {
  error: { code: string; message: string; field?: string };
}

function body(code: string, message: string, field?: string): ErrorPayload {
  return { error: field ? { code, message, field } : { code, message } };
}

/** Codes for the HTTP-level refusals Fastify itself makes (bad JSON, wrong media type, too large). */
const CODE_OF_STATUS: Record<number, string> = { 400: 'invalid', 404: 'not_found', 405: 'method_not_allowed', 413: 'too_large', 415: 'unsupported_media_type' };

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * The field a schema refusal is about, as the client named it: `address` for a body property,
 * `limit` for a query parameter, `members.1` for an array item.
 */
function fieldOf(issue: ValidationIssue): string | undefined {
  const path = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') path.push(issue.params.missingProperty);
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') path.push(issue.params.additionalProperty);
  return path.length ? path.join('.') : undefined;
}

function validationMessage(issue: ValidationIssue, field: string | undefined, context: string | undefined): string {
  if (issue.keyword === 'required') return `${field} is required`;
  if (issue.keyword === 'additionalProperties') return `${field} is not a known field`;
  const where = field ?? (context === 'body' ? 'the request body' : context ?? 'the request');
  return `${where} ${issue.message ?? 'is not valid'}`;
}

export function apiErrorHandler(log: (line: string) => void) {
  return (error: FastifyError | DirectoryError | Unauthenticated | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof Unauthenticated) {
      const challenge = error.invalidToken ? 'Bearer realm="petrel", error="invalid_token"' : 'Bearer realm="petrel"';
      return reply.code(401).header('www-authenticate', challenge).send(body('unauthenticated', error.message));
    }
    if (error instanceof DirectoryError) return reply.code(STATUS_OF[error.code]).send(body(error.code, error.message, error.field));
    const fastifyError = error as FastifyError;
    if (fastifyError.validation && fastifyError.validation.length > 0) {
      const issue = fastifyError.validation[0] as ValidationIssue;
      const field = fieldOf(issue);
      return reply.code(400).send(body('invalid', validationMessage(issue, field, fastifyError.validationContext), field));
    }
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send(body(CODE_OF_STATUS[status] ?? 'invalid', error.message));
    log(`http: ${request.method} ${request.url}: ${error.stack ?? error.message}`);
    return reply.code(500).send(body('internal', 'internal error'));
  };
}

export function notFoundBody(method: string, url: string): ErrorPayload {
  return body('not_found', `no route ${method} ${url.split('?')[0]}`);
}
