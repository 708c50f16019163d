import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { CounterState, CounterStore } from './counters.js';

/** INCR then PEXPIRE NX: the first hit opens the window; PTTL tells when it closes. */
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`;

/**
 * Counters shared by every instance. When Redis is configured but unreachable the limiter fails
 * closed with 503, never silently letting unlimited attempts through.
 */
export function createRedisCounterStore(url: string): CounterStore {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  async function guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch {
      throw new AppError('unavailable', 'Rate limiting is unavailable; try again shortly.');
    }
  }
  return {
    increment(key, windowMs, nowMs): Promise<CounterState> {
      return guard(async () => {
        const [n, ttl] = (await redis.eval(INCREMENT, 1, key, String(windowMs))) as [number, number];
        return { count: n, resetAtMs: nowMs + Math.max(ttl, 0) };
      });
    },
    peek(key, nowMs) {
      return guard(async () => {
        const [v, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
        if (v === null || ttl <= 0) return null;
        return { count: Number(v), resetAtMs: nowMs + ttl };
      });
    },
    reset(key) {
      return guard(async () => {
        await redis.del(key);
      });
    },
    async ping() {
      try {
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
