import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisCounterStore } from '../../src/rate-limit/redis-store.js';
import { AppError } from '../../src/errors.js';
import { REDIS_PROBLEM, SKIP_NOTE, SKIP_REDIS, TEST_REDIS_URL, closedPort, deleteKeys, uniquePrefix } from './support.js';

const WINDOW = 15 * 60_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const prefix = uniquePrefix();
const stores: { close(): Promise<void> }[] = [];

function store(keyPrefix = prefix): ReturnType<typeof createRedisCounterStore> {
  const s = createRedisCounterStore(TEST_REDIS_URL, { keyPrefix });
  stores.push(s);
  return s;
}

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  if (!SKIP_REDIS && REDIS_PROBLEM === null) await deleteKeys(prefix);
});

describe('Redis counter store', () => {
  it.skipIf(SKIP_REDIS)(`Redis answers at TEST_REDIS_URL${SKIP_NOTE}`, () => {
    expect(REDIS_PROBLEM).toBeNull();
  });

  it.skipIf(SKIP_REDIS)(`increment counts from 1 inside one window; peek reads without counting; reset forgets${SKIP_NOTE}`, async () => {
    const s = store();
    expect(await s.peek('a', T0)).toBeNull();
    expect(await s.increment('a', WINDOW, T0)).toEqual({ count: 1, resetAtMs: T0 + WINDOW });
    expect(await s.increment('a', WINDOW, T0 + 1000)).toEqual({ count: 2, resetAtMs: T0 + WINDOW });
    expect(await s.increment('a', WINDOW, T0 + 2000)).toEqual({ count: 3, resetAtMs: T0 + WINDOW });
    expect(await s.peek('a', T0 + 3000)).toEqual({ count: 3, resetAtMs: T0 + WINDOW });
    expect(await s.peek('a', T0 + 3000)).toEqual({ count: 3, resetAtMs: T0 + WINDOW });
    // Another key is independent.
    expect(await s.peek('b', T0)).toBeNull();
    expect(await s.increment('b', WINDOW, T0)).toEqual({ count: 1, resetAtMs: T0 + WINDOW });
    await s.reset('a');
    expect(await s.peek('a', T0 + 3000)).toBeNull();
    expect(await s.increment('a', WINDOW, T0 + 4000)).toEqual({ count: 1, resetAtMs: T0 + 4000 + WINDOW });
    // Resetting one key left the other alone.
    expect(await s.peek('b', T0 + 4000)).toEqual({ count: 1, resetAtMs: T0 + WINDOW });
  });

  it.skipIf(SKIP_REDIS)(`the window ends on the caller's clock: counted until its last millisecond, a fresh window after${SKIP_NOTE}`, async () => {
    const s = store();
    await s.increment('w', WINDOW, T0);
    await s.increment('w', WINDOW, T0 + 1);
    expect(await s.increment('w', WINDOW, T0 + WINDOW - 1)).toEqual({ count: 3, resetAtMs: T0 + WINDOW });
    expect(await s.peek('w', T0 + WINDOW - 1)).toEqual({ count: 3, resetAtMs: T0 + WINDOW });
    expect(await s.peek('w', T0 + WINDOW)).toBeNull();
    expect(await s.increment('w', WINDOW, T0 + WINDOW)).toEqual({ count: 1, resetAtMs: T0 + 2 * WINDOW });
    expect(await s.peek('w', T0 + WINDOW + 1)).toEqual({ count: 1, resetAtMs: T0 + 2 * WINDOW });
  });

  it.skipIf(SKIP_REDIS)(`keys expire in Redis itself (no unbounded growth) and carry the configured prefix${SKIP_NOTE}`, async () => {
    const s = store();
    await s.increment('ttl', 60_000, Date.now());
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const ttl = await raw.pttl(`${prefix}ttl`);
      expect(ttl).toBeGreaterThan(0);
      // The window plus a bounded grace for clock skew between instances.
      expect(ttl).toBeLessThanOrEqual(60_000 + 60_000);
      expect(await raw.exists('ttl')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it.skipIf(SKIP_REDIS)(`stores on separate connections (two instances) share one counter; concurrent hits are never lost${SKIP_NOTE}`, async () => {
    const a = store();
    const b = store();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).increment('shared', WINDOW, T0 + i)));
    expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.resetAtMs))).toEqual(new Set([results.find((r) => r.count === 1)?.resetAtMs]));
    expect((await a.peek('shared', T0 + 100))?.count).toBe(60);
    expect((await b.peek('shared', T0 + 100))?.count).toBe(60);
  });

  it.skipIf(SKIP_REDIS)(`different prefixes never see each other's counters${SKIP_NOTE}`, async () => {
    const other = uniquePrefix();
    try {
      const mine = store();
      const theirs = store(other);
      await mine.increment('iso', WINDOW, T0);
      expect(await theirs.peek('iso', T0)).toBeNull();
      expect((await theirs.increment('iso', WINDOW, T0)).count).toBe(1);
      expect((await mine.peek('iso', T0))?.count).toBe(1);
    } finally {
      await deleteKeys(other);
    }
  });

  it.skipIf(SKIP_REDIS)(`ping answers true while Redis is up${SKIP_NOTE}`, async () => {
    expect(await store().ping()).toBe(true);
  });

  // Needs no Redis at all: it points at a port where nothing listens.
  it('configured but unreachable: every operation fails with 503 unavailable (never a silent pass), ping is false, close does not hang', async () => {
    const s = createRedisCounterStore(`redis://127.0.0.1:${String(await closedPort())}`);
    try {
      for (const op of [() => s.increment('k', WINDOW, T0), () => s.peek('k', T0), () => s.reset('k')]) {
        const error: unknown = await op().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('unavailable');
        // The library's own message (host, port, errno) is not what callers see.
        expect((error as AppError).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stream/i);
      }
      expect(await s.ping()).toBe(false);
    } finally {
      const closed = await Promise.race([s.close().then(() => 'closed'), new Promise((r) => setTimeout(() => { r('hung'); }, 3000))]);
      expect(closed).toBe('closed');
    }
  });
});
