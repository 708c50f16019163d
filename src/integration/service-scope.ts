import cookie from '@fastify/cookie';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifySchemaCompiler } from 'fastify';
import { ping } from '../db/database.js';
import type { CounterStore } from '../rate-limit/counters.js';
import type { Services } from '../services.js';
import { errorBody } from '../errors.js';
import { installBodyParsing, installErrorHandling, installRequestChecks } from '../http/hygiene.js';
import type { TypedApp } from '../http/typed.js';
import { authRoutes } from '../account/auth-routes.js';
import { emailRoutes } from '../email/routes.js';
import { sessionRoutes } from '../session/routes.js';
import { profileRoutes } from '../account/profile-routes.js';
import { orgRoutes } from '../org/routes.js';
import { adminRoutes } from '../admin/routes.js';
import { mfaRoutes } from '../mfa/routes.js';
import { mfaLoginRoutes } from '../mfa/login-routes.js';
import { forwardAuthRoutes } from '../session/forward-auth.js';
import { identityRoutes } from '../identities/routes.js';
import { installOpenApi, openApiRoutes } from '../http/openapi.js';
import { installWebUi } from '../http/web.js';
import { oidcRoutes } from '../oidc/routes.js';

/** Unknown fields are refused (never silently dropped) and types are never coerced. */
export const AJV_OPTIONS = { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } as const;

/**
 * Our own Ajv for our own routes: a host app's `ajv` options (coercion, removeAdditional, defaults)
 * would otherwise apply to Gatehouse's schemas and silently weaken them.
 */
export function gatehouseValidatorCompiler(): FastifySchemaCompiler<unknown> {
  return AjvCompiler()({}, { customOptions: { ...AJV_OPTIONS } }) as FastifySchemaCompiler<unknown>;
}

export interface ServiceScopeOptions {
  readonly services: Services;
  readonly counters: CounterStore;
  readonly webUi: boolean;
}

/**
 * The whole service, in one encapsulated Fastify scope: its body parser, validator, error and
 * not-found handlers, security headers and hooks apply to its own routes only (and, mounted at the
 * root, to the root's 404s), never to the routes of an app that mounts it.
 */
export async function gatehouseServiceScope(app: TypedApp, options: ServiceScopeOptions): Promise<void> {
  const s = options.services;
  app.setValidatorCompiler(gatehouseValidatorCompiler());
  if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', null);
  installBodyParsing(app);
  try {
    installErrorHandling(app);
  } catch {
    // The host already owns the not-found handler for this prefix: theirs stays; errors are still ours.
  }
  // Security headers first, on every response; then, for writes, the Origin and JSON-only checks.
  installRequestChecks(app, s);
  // A host that registered @fastify/cookie already parses cookies for us; registering it twice fails.
  if (!app.hasRequestDecorator('cookies')) await app.register(cookie);
  await installOpenApi(app);

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [database, counters] = await Promise.all([ping(s.db), options.counters.ping()]);
    if (!database || !counters) return reply.code(503).send({ ...errorBody('unavailable'), database, counters });
    return { status: 'ready', database, counters };
  });

  authRoutes(app, s);
  emailRoutes(app, s);
  sessionRoutes(app, s);
  profileRoutes(app, s);
  orgRoutes(app, s);
  adminRoutes(app, s);
  mfaRoutes(app, s);
  mfaLoginRoutes(app, s);
  identityRoutes(app, s);
  forwardAuthRoutes(app, s);
  await oidcRoutes(app, s, { webUi: options.webUi });
  openApiRoutes(app);
  if (options.webUi) await installWebUi(app, s);
}
