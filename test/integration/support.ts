import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Dependencies } from '../../src/app.js';
import { gatehouse, type GatehouseOptions } from '../../src/integration/plugin.js';
import { createMemoryCounterStore } from '../../src/rate-limit/counters.js';
import { Agent, type TestApp } from '../helpers/app.js';

/** The test app's own dependencies, for a second mount of the same service on the same database. */
export function depsOf(t: TestApp): Dependencies {
  return { db: t.db, mailer: t.mailer, hasher: t.services.hasher, clock: t.clock, counters: createMemoryCounterStore(), logger: t.services.logger };
}

export interface HostOptions {
  readonly fastify?: FastifyServerOptions;
  readonly mount?: Omit<GatehouseOptions, 'config' | 'deps'>;
  /** Runs before Gatehouse is registered (the host's own plugins, handlers). */
  readonly before?: (host: FastifyInstance) => Promise<void> | void;
  /** Runs after (the host's own routes, which may use host.gatehouse). */
  readonly after: (host: FastifyInstance) => Promise<void> | void;
}

/** Someone else's Fastify app with Gatehouse mounted in it. */
export async function buildHost(t: TestApp, options: HostOptions): Promise<FastifyInstance> {
  const host = Fastify(options.fastify);
  await options.before?.(host);
  await host.register(gatehouse, { config: t.config, deps: depsOf(t), ...options.mount });
  await options.after(host);
  await host.ready();
  return host;
}

/** A cookie-jar client (the helper's Agent) talking to the host instead of the standalone app. */
export function hostAgent(t: TestApp, host: FastifyInstance, ip?: string): Agent {
  return new Agent({ ...t, app: host }, ip);
}
