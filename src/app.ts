import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { PasswordHasher } from './account/hasher.js';
import type { Mailer } from './email/mailer.js';
import type { CounterStore } from './rate-limit/counters.js';
import type { Services } from './services.js';
import { BODY_LIMIT, frameworkErrorHandler } from './http/hygiene.js';
import { AccessLog } from './logger.js';
import { gatehouse } from './integration/plugin.js';

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

/**
 * Builds the whole service from a frozen config and injected dependencies. Does not listen.
 * The standalone server is a bare Fastify root with the very plugin a host app would mount.
 */
export async function buildApp(config: Config, deps: Dependencies): Promise<GatehouseApp> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT,
    // Router-level errors (over-long or malformed path parameters) get our envelope and headers too.
    frameworkErrors: frameworkErrorHandler(config.https),
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    logController: new AccessLog(deps.logger),
    // Requests arriving during shutdown are still served (with Connection: close) in our own format.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });
  await app.register(gatehouse, { config, deps });
  await app.ready();
  return { app, services: app.gatehouse.services };
}
