import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { ping, type Db } from './db/database.js';
import type { PasswordHasher } from './account/hasher.js';
import type { Mailer } from './email/mailer.js';
import type { CounterStore } from './rate-limit/counters.js';
import { createLimiter } from './rate-limit/limits.js';
import { createTokenKeys } from './crypto/jwt.js';
import { limitsFor, type Services } from './services.js';
import { BODY_LIMIT, frameworkErrorHandler, installBodyParsing, installErrorHandling, installRequestChecks, installSecurityHeaders } from './http/hygiene.js';
import type { TypedApp } from './http/typed.js';
import { authRoutes } from './account/auth-routes.js';
import { emailRoutes } from './email/routes.js';
import { sessionRoutes } from './session/routes.js';
import { profileRoutes } from './account/profile-routes.js';
import { orgRoutes } from './org/routes.js';
import { adminRoutes } from './admin/routes.js';
import { forwardAuthRoutes } from './session/forward-auth.js';
import { installOpenApi, openApiRoute } from './http/openapi.js';
import { installWebUi } from './http/web.js';
import { errorBody } from './errors.js';

export interface Dependencies {
  readonly db: Db;
  readonly mailer: Mailer;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly counters: CounterStore;
  readonly logger: Logger;
}

export interface GatehouseApp {
  readonly app: FastifyInstance;
  readonly services: Services;
}

function trustProxyOption(value: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}

/** Builds the whole service from a frozen config and injected dependencies. Does not listen. */
export async function buildApp(config: Config, deps: Dependencies): Promise<GatehouseApp> {
  const app: TypedApp = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Router-level errors (over-long or malformed path parameters) get our envelope and headers too.
    frameworkErrors: frameworkErrorHandler(config.https),
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    // Requests arriving during shutdown are still served (with Connection: close) in our own format.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    ajv: {
      // Unknown fields are refused (never silently dropped) and types are never coerced.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const services: Services = {
    config,
    db: deps.db,
    clock: deps.clock,
    hasher: deps.hasher,
    mailer: deps.mailer,
    limiter: createLimiter(deps.counters, deps.clock),
    limits: limitsFor(config),
    sessionKeys: await createTokenKeys('gatehouse-session', config.sessionSecret, config.sessionSecretPrevious),
    emailKeys: await createTokenKeys('gatehouse-email', config.sessionSecret, config.sessionSecretPrevious),
    logger: deps.logger,
  };

  app.decorateRequest('auth', null);
  installBodyParsing(app);
  installErrorHandling(app);
  await installSecurityHeaders(app, services);
  await app.register(cookie);
  installRequestChecks(app, services);
  await installOpenApi(app);

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [database, counters] = await Promise.all([ping(deps.db), deps.counters.ping()]);
    if (!database || !counters) return reply.code(503).send({ ...errorBody('unavailable'), database, counters });
    return { status: 'ready', database, counters };
  });

  authRoutes(app, services);
  emailRoutes(app, services);
  sessionRoutes(app, services);
  profileRoutes(app, services);
  orgRoutes(app, services);
  adminRoutes(app, services);
  forwardAuthRoutes(app, services);
  openApiRoute(app);
  await installWebUi(app, services);

  await app.ready();
  return { app, services };
}
