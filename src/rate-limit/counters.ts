/**
 * Fixed-window counters behind one interface, so the in-memory store can be swapped for Redis
 * (shared by every instance) without touching the callers.
 */
export interface CounterState {
  readonly count: number;
  readonly resetAtMs: number;
}

export interface CounterStore {
  increment(key: string, windowMs: number, nowMs: number): Promise<CounterState>;
  peek(key: string, nowMs: number): Promise<CounterState | null>;
  reset(key: string): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createMemoryCounterStore(maxKeys = 100_000): CounterStore {
  const counters = new Map<string, { count: number; resetAtMs: number }>();
  function sweep(nowMs: number): void {
    for (const [k, v] of counters) if (v.resetAtMs <= nowMs) counters.delete(k);
  }
  return {
    increment(key, windowMs, nowMs) {
      let c = counters.get(key);
      if (c === undefined || c.resetAtMs <= nowMs) {
        if (counters.size >= maxKeys) sweep(nowMs);
        c = { count: 0, resetAtMs: nowMs + windowMs };
        counters.set(key, c);
      }
      c.count += 1;
      return Promise.resolve({ count: c.count, resetAtMs: c.resetAtMs });
    },
    peek(key, nowMs) {
      const c = counters.get(key);
      if (c === undefined || c.resetAtMs <= nowMs) return Promise.resolve(null);
      return Promise.resolve({ count: c.count, resetAtMs: c.resetAtMs });
    },
    reset(key) {
      counters.delete(key);
      return Promise.resolve();
    },
    ping: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
}
