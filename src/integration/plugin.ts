import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Dependencies } from '../app.js';
import { createLimiter } from '../rate-limit/limits.js';
import { createKeyring } from '../crypto/keyring.js';
import { limitsFor, type Services } from '../services.js';
import type { UserView } from '../account/users.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { gatehouseServiceScope } from './service-scope.js';
import { createSessionGuard, type GatehouseSession, type RequireSessionOptions, type SessionPreHandler } from './require-session.js';

export interface GatehouseOptions {
  readonly config: Config;
  readonly deps: Dependencies;
  /** Where the service's routes live inside the host app, e.g. `/auth` (default: the root). */
  readonly prefix?: string;
  /**
   * Serve the web UI. Default: only at the root, because the built UI refers to `/assets/` and
   * `/api/` by absolute paths.
   */
  readonly webUi?: boolean;
}

export interface GatehouseDecorator {
  readonly services: Services;
  readonly prefix: string;
  /** A pre-handler for the host's own routes: same checks and error envelope as Gatehouse's API. */
  requireSession(options?: RequireSessionOptions): SessionPreHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatehouseDecorator;
  }
  interface FastifyRequest {
    /** Set by `requireSession()`; null on routes it does not guard. */
    user: UserView | null;
    /** Set by `requireSession()`; null on routes it does not guard. */
    session: GatehouseSession | null;
  }
}

export async function createServices(config: Config, deps: Dependencies): Promise<Services> {
  return {
    config,
    db: deps.db,
    clock: deps.clock,
    hasher: deps.hasher,
    mailer: deps.mailer,
    limiter: createLimiter(deps.counters, deps.clock),
    limits: limitsFor(config),
    ...(await createKeyring(config)),
    logger: deps.logger,
  };
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/\/+$/, '');
  if (trimmed !== '' && !trimmed.startsWith('/')) throw new Error(`gatehouse: prefix must start with "/" (got "${trimmed}")`);
  return trimmed;
}

/**
 * Mounts Gatehouse inside a host Fastify app. Only the `gatehouse` decorator and the
 * `request.user` / `request.session` slots reach the host; everything else (parsers, validator,
 * error handling, headers, cookies plugin) stays inside the service's own encapsulated scope.
 */
async function gatehousePlugin(host: FastifyInstance, options: GatehouseOptions): Promise<void> {
  const prefix = normalizePrefix(options.prefix);
  const services = await createServices(options.config, options.deps);
  if (!host.hasRequestDecorator('user')) host.decorateRequest('user', null);
  if (!host.hasRequestDecorator('session')) host.decorateRequest('session', null);
  const decorator: GatehouseDecorator = {
    services,
    prefix,
    requireSession: (guardOptions?: RequireSessionOptions): SessionPreHandler => createSessionGuard(services, guardOptions),
  };
  host.decorate('gatehouse', decorator);
  await host.register(
    async function gatehouseService(scope: FastifyInstance): Promise<void> {
      await gatehouseServiceScope(scope.withTypeProvider<TypeBoxTypeProvider>(), {
        services,
        counters: options.deps.counters,
        webUi: options.webUi ?? prefix === '',
      });
    },
    { prefix },
  );
}

export const gatehouse = fp(gatehousePlugin, { name: 'gatehouse', fastify: '5.x' });
