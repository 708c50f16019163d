import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, deleteMatchingKeys, redisProblem } from '../helpers/services.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

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
  const relay = await startTcpRelay(target.hostname, Number(target.port === '' ? '6379' : target.port));
  const path = target.pathname === '' ? '' : target.pathname;
  return {
    url: `redis://127.0.0.1:${String(relay.port)}${path}`,
    cut: () => relay.cut(),
    restore: () => relay.restore(),
    close: () => relay.cut(),
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
