export type Log = (message: string) => void;

/** Knobs of one benchmark run (environment overrides for quick local runs). */
export interface Settings {
  /** Seconds measured per run, after warmupSec of the same load. */
  readonly durationSec: number;
  readonly warmupSec: number;
  /** Connections of the throughput runs (bare, /healthz, /me). */
  readonly connections: number;
  /** Interleaved rounds of bare, /healthz and /me; the best round of each is kept. */
  readonly rounds: number;
  readonly loginConnections: number;
  readonly floodConnections: number;
  readonly memorySessions: number;
  readonly memoryRequests: number;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function readSettings(): Settings {
  return {
    durationSec: int('BENCH_DURATION', 6),
    warmupSec: int('BENCH_WARMUP', 3),
    connections: int('BENCH_CONNECTIONS', 10),
    rounds: int('BENCH_ROUNDS', 2),
    loginConnections: int('BENCH_LOGIN_CONNECTIONS', 8),
    floodConnections: int('BENCH_FLOOD_CONNECTIONS', 32),
    memorySessions: int('BENCH_SESSIONS', 10_000),
    memoryRequests: int('BENCH_MEMORY_REQUESTS', 100_000),
  };
}
