// Schemas the self-service (/me) and the administrators' security routes share.
import { Type } from 'typebox';

export const TotpStatus = Type.Object(
  { enabled: Type.Boolean(), confirmedAt: Type.Union([Type.String(), Type.Null()]), pending: Type.Boolean(), recoveryCodesLeft: Type.Integer() },
  { additionalProperties: true },
);

export const AppPassword = Type.Object(
  { id: Type.Integer(), name: Type.String(), protocols: Type.Array(Type.String()), createdAt: Type.String(), lastUsedAt: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: true },
);

export const NewAppPassword = Type.Intersect([AppPassword, Type.Object({ password: Type.String({ description: 'shown once' }) })]);

export const AppPasswordInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), protocols: Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 16, description: 'e.g. imap, smtp, pop3, dav' }) },
  { additionalProperties: false },
);

export const Session = Type.Object(
  { id: Type.Integer(), createdAt: Type.String(), lastSeenAt: Type.String(), expiresAt: Type.String(), remoteAddress: Type.Union([Type.String(), Type.Null()]), userAgent: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: true },
);
