// Schemas every admin API route shares: the error body, list pages and their query.
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type, type TSchema } from 'typebox';

import type { PetrelConfig } from '../../config/config.ts';
import type { Database } from '../../store/schema.ts';

/** The Fastify instance routes are declared on: request and reply types follow from the TypeBox schemas. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'invalid, unauthenticated, forbidden, not_found, conflict, limit, ...' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'the input field at fault, when there is one' })),
    }),
  },
  { description: 'Any refusal' },
);

/** Every refusal a route can give, so that clients generated from the document know them. */
export const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } as const;

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** The query of every list; a list with filters of its own spreads these beside them. */
export const PAGE_FIELDS = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'items per page' })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'the `next` of the previous page' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'case-insensitive substring search' })),
};

export const PageQuery = Type.Object(PAGE_FIELDS);

/** A page of a keyset-paginated list: `next` is the cursor of the following page, null on the last. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });
}

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const Deleted = { 204: Type.Null({ description: 'done' }) } as const;

/** What route modules get besides the instance: the store (for sign-in) and this server's public name and ports (for DNS records). */
export interface ApiDeps {
  db: Kysely<Database>;
  server: Pick<PetrelConfig, 'hostname' | 'ports'>;
}
