import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { CounterStore } from './counters.js';

export interface Limit {
  readonly name: string;
  readonly max: number;
  readonly windowMs: number;
}

function retryAfterSec(resetAtMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000));
}

export interface Limiter {
  /** Throws `rate_limited` when the counter is already at its limit; counts nothing. */
  check(limit: Limit, key: string): Promise<void>;
  /** Counts one, then throws `rate_limited` when this one went over the limit. */
  consume(limit: Limit, key: string): Promise<void>;
  /** Counts one and reports whether it was still within the limit (never throws). */
  tryConsume(limit: Limit, key: string): Promise<boolean>;
  /** Counts one without any decision (e.g. a failed login). */
  record(limit: Limit, key: string): Promise<void>;
  reset(limit: Limit, key: string): Promise<void>;
  /** The count in the current window (0 when there is none); decides nothing. */
  count(limit: Limit, key: string): Promise<number>;
}

export function createLimiter(store: CounterStore, clock: Clock): Limiter {
  const k = (limit: Limit, key: string): string => `gh:rl:${limit.name}:${key}`;
  return {
    async check(limit, key) {
      const now = clock.now();
      const state = await store.peek(k(limit, key), now);
      if (state !== null && state.count >= limit.max) {
        throw new AppError('rate_limited', undefined, { retryAfter: retryAfterSec(state.resetAtMs, now) });
      }
    },
    async consume(limit, key) {
      const now = clock.now();
      const state = await store.increment(k(limit, key), limit.windowMs, now);
      if (state.count > limit.max) {
        throw new AppError('rate_limited', undefined, { retryAfter: retryAfterSec(state.resetAtMs, now) });
      }
    },
    async tryConsume(limit, key) {
      const state = await store.increment(k(limit, key), limit.windowMs, clock.now());
      return state.count <= limit.max;
    },
    async record(limit, key) {
      await store.increment(k(limit, key), limit.windowMs, clock.now());
    },
    async reset(limit, key) {
      await store.reset(k(limit, key));
    },
    async count(limit, key) {
      return (await store.peek(k(limit, key), clock.now()))?.count ?? 0;
    },
  };
}
