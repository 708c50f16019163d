import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../services.js';
import type { TypedApp } from '../http/typed.js';
import { AppError } from '../errors.js';
import { checkSession, readCheckInput } from './authenticate.js';
import { clearSessionCookies } from './cookies.js';
import { requirementRefusal } from './requirements.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether the original request (as the proxy reports it) may change state. Conservative on purpose:
 * any method that is not GET/HEAD/OPTIONS counts as a write (WebDAV, PURGE, …), and when both method
 * headers are present (one of them possibly sent by the client and passed through by the proxy),
 * a write in either one wins, so a client cannot launder a POST by adding "GET".
 */
function originalRequestWrites(request: FastifyRequest): boolean {
  const methods = [request.headers['x-forwarded-method'], request.headers['x-original-method']]
    .flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toUpperCase())
    .filter((v) => v !== '');
  return methods.some((m) => !SAFE_METHODS.has(m));
}

/** HTTP header values are ASCII: non-ASCII (and `%` itself, so decoding is unambiguous) is percent-encoded UTF-8. */
function headerSafe(value: string): string {
  return value.replace(/[^\x21-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/**
 * Forward auth for reverse proxies (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth):
 * the very same per-request check as the API, applied to the original method, so the protected
 * app inherits session, CSRF and Origin checks without writing any.
 */
export function forwardAuthRoutes(app: TypedApp, s: Services): void {
  app.get(
    '/api/auth/verify',
    {
      schema: {
        querystring: Type.Object(
          {
            role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
            orgRole: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const writes = originalRequestWrites(request);
      if (writes) {
        const origin = request.headers.origin;
        if (origin !== undefined && origin !== s.config.publicOrigin) throw new AppError('csrf_failed');
      }
      const result = await checkSession(s, readCheckInput(s, request, writes ? 'POST' : 'GET'));
      if (!result.ok) {
        if (result.code === 'unauthenticated') clearSessionCookies(reply, s.config);
        throw new AppError(result.code);
      }
      const refused = requirementRefusal(result.auth, request.query);
      if (refused !== null) throw new AppError(refused);
      const { user, impersonator } = result.auth;
      void reply
        .header('x-gatehouse-user-id', user.id)
        .header('x-gatehouse-email', headerSafe(user.email))
        .header('x-gatehouse-role', user.role)
        .header('x-gatehouse-org-id', user.org_id ?? '')
        .header('x-gatehouse-org-role', user.org_role ?? '');
      if (impersonator !== null) void reply.header('x-gatehouse-impersonator-id', impersonator.id);
      return reply.code(204).send();
    },
  );
}
