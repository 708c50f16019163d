import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { CounterState, CounterStore } from './counters.js';

/**
 * One fixed window per key, kept as a hash {c: count, r: window end in epoch ms}. The window is
 * decided by the caller's clock (like the in-memory store), so every instance and every test sees
 * the same semantics; the Redis TTL only garbage-collects keys some time after their window ends.
 * The script runs atomically, so concurrent hits from many instances never lose a count.
 */
const INCREMENT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'c', 'r')
local count = tonumber(v[1])
local resetAt = tonumber(v[2])
if count == nil or resetAt == nil or resetAt <= now then
  resetAt = now + window
  redis.call('HSET', KEYS[1], 'c', 1, 'r', string.format('%.0f', resetAt))
  redis.call('PEXPIRE', KEYS[1], window + graceMs)
  return {1, string.format('%.0f', resetAt)}
end
count = redis.call('HINCRBY', KEYS[1], 'c', 1)
return {count, string.format('%.0f', resetAt)}`;

const CONNECT_TIMEOUT_MS = 2000;
const CONNECTING = new Set(['wait', 'connecting', 'connect']);

/** How long a key outlives its window in Redis (covers clock skew between instances). */
const GRACE_MS = 60_000;

export interface RedisCounterOptions {
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  readonly keyPrefix?: string;
  /** A command that takes longer than this fails (and the limiter answers 503) instead of hanging. */
  readonly commandTimeoutMs?: number;
}

/**
 * Counters shared by every instance. When Redis is configured but unreachable the limiter fails
 * closed with 503, never silently letting unlimited attempts through.
 */
export function createRedisCounterStore(url: string, options: RedisCounterOptions = {}): CounterStore {
  const prefix = options.keyPrefix ?? '';
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    // Keep reconnecting (capped back-off) so the instance recovers on its own when Redis returns.
    retryStrategy: (times: number): number => Math.min(times * 100, 2000),
  });
  // Connection errors are reported through the failing commands (503) and /readyz, not crashes.
  redis.on('error', () => undefined);
  /**
   * Without an offline queue a command sent while the first connection is still being set up
   * would fail; wait for that handshake (bounded), but fail fast while Redis is known to be down.
   */
  let handshake: Promise<void> | null = null;
  function settled(): Promise<void> {
    if (!CONNECTING.has(redis.status)) return Promise.resolve();
    // One shared waiter per handshake, however many requests arrive meanwhile.
    handshake ??= new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done).off('error', done).off('close', done);
        handshake = null;
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      redis.once('ready', done).once('error', done).once('close', done);
    });
    return handshake;
  }
  async function guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      await settled();
      return await op();
    } catch {
      throw new AppError('unavailable', 'Rate limiting is unavailable; try again shortly.');
    }
  }
  return {
    increment(key, windowMs, nowMs): Promise<CounterState> {
      return guard(async () => {
        const [n, resetAt] = (await redis.eval(INCREMENT, 1, prefix + key, String(nowMs), String(windowMs), String(GRACE_MS))) as [number, string];
        return { count: n, resetAtMs: Number(resetAt) };
      });
    },
    peek(key, nowMs) {
      return guard(async () => {
        const [count, resetAt] = await redis.hmget(prefix + key, 'c', 'r');
        if (count === null || resetAt === null || Number(resetAt) <= nowMs) return null;
        return { count: Number(count), resetAtMs: Number(resetAt) };
      });
    },
    reset(key) {
      return guard(async () => {
        await redis.del(prefix + key);
      });
    },
    async ping() {
      try {
        await settled();
        await redis.ping();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
