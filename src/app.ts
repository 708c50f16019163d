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
import { AccessLog, lazyRequestLogger } from './logger.js';
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
    childLoggerFactory: lazyRequestLogger,
    // Requests arriving during shutdown are still served (with Connection: close) in our own format.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // Slow clients: without these a request that declares a body and never sends it holds its
    // connection (and a shutdown) open indefinitely. The whole request must arrive within
    // REQUEST_TIMEOUT (then 408 and the connection is closed). A socket silent in both directions
    // for twice that (a client that stops reading its response) is closed; twice, so that the 408
    // always wins over a silent close. Node checks the request deadlines periodically; checking at
    // a tenth of the timeout (at most once a second) keeps the real limit close to the configured one.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 2 * config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.requestTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.requestTimeoutMs / 10))),
    },
  });
  await app.register(gatehouse, { config, deps });
  await app.ready();
  return { app, services: app.gatehouse.services };
}
