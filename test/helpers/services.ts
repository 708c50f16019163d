import { Redis } from 'ioredis';

/** Shared by the suites that talk to a real Redis (test/redis, test/multi-instance). */

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why the Redis at `url` cannot be used, or null when it answers a PING. `label` names it in the reason. */
export async function redisProblem(url: string, label = url): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (e) {
    return `Redis not reachable at ${label} (${e instanceof Error ? e.message : 'error'})`;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key matching the SCAN `pattern` through `client` (never FLUSH: the Redis may be shared). */
export async function deleteMatchingKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A port on which nothing listens (bound, then released): the one finder test/ops already has. */
export { freePort } from '../ops/processes.js';
