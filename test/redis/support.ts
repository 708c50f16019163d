import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, deleteMatchingKeys, freePort, redisProblem } from '../helpers/services.js';

/** Shared by the Redis suites: where Redis is, whether it answers, and per-run key isolation. */

export { TEST_REDIS_URL } from '../helpers/services.js';
/** A port on which nothing listens (bound, then released). */
export { freePort as closedPort } from '../helpers/services.js';
const IN_CI = process.env.CI === 'true';

/** Why the Redis-backed tests cannot run here, or null when Redis answers. */
export const REDIS_PROBLEM = await redisProblem(TEST_REDIS_URL);
/** Under CI a missing Redis is not skipped: the tests run and fail loudly. */
export const SKIP_REDIS = REDIS_PROBLEM !== null && !IN_CI;
/** Appended to test names, so the reason is visible in every reporter. */
export const SKIP_NOTE = SKIP_REDIS ? ` [skipped: ${REDIS_PROBLEM ?? ''}]` : '';
if (SKIP_REDIS) process.stdout.write(`skipped: Redis suites: ${REDIS_PROBLEM ?? ''}\n`);

/** A key prefix unique to this test run, so parallel runs never see each other's counters. */
export function uniquePrefix(): string {
  return `gh-test:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix (never FLUSH: the Redis may be shared). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await deleteMatchingKeys(client, `${prefix}*`);
  } finally {
    client.disconnect();
  }
}

/**
 * A TCP relay in front of the real Redis that can be cut and restored, to play a Redis outage
 * and its return without touching the shared Redis itself.
 */
export interface RedisRelay {
  readonly url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisRelay(): Promise<RedisRelay> {
  const target = new URL(TEST_REDIS_URL);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port === '' ? '6379' : target.port), target.hostname);
        sockets.add(client);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => { resolve(); });
      server = s;
    });
  }
  async function stop(): Promise<void> {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const s = server;
    server = undefined;
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => { resolve(); }));
  }
  await listen();
  const path = target.pathname === '' ? '' : target.pathname;
  return {
    url: `redis://127.0.0.1:${String(port)}${path}`,
    cut: stop,
    restore: listen,
    close: stop,
  };
}

/** Polls (real time: a reconnect cannot be injected) until the predicate holds or the time is up. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return predicate();
}
