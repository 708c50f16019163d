import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TString } from 'typebox';

export type TypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** Shared schema pieces. Every body schema refuses unknown fields. */
export const Email = Type.String({ minLength: 1, maxLength: 320 });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
/** Empty or malformed tokens are the token verifier's to refuse (400 invalid_token), not the schema's. */
export const Token = Type.String({ maxLength: 4096 });
/**
 * No control characters (C0, DEL, C1). PostgreSQL refuses a NUL byte in text outright, so a `%00`
 * that reached a query became a 500 with an error-level log there and a plain 404 on SQLite. No id
 * we issue, and no search term anyone means, contains one: refusing them here makes both databases
 * answer the same 400 before any query runs.
 */
const NO_CONTROL_CHARACTERS = '^[^\\p{Cc}]*$';
/** A string without control characters, for anything that reaches a query: ids, search terms, filters. */
export function PlainText(maxLength: number, minLength = 0): TString {
  return Type.String({ minLength, maxLength, pattern: NO_CONTROL_CHARACTERS });
}
/** An object id as the client sends it: in a path, a query string or a body. */
export const Id = PlainText(64, 1);
export const IdParam = Type.Object({ id: Id }, { additionalProperties: false });
export const UserIdParam = Type.Object({ userId: Id }, { additionalProperties: false });
