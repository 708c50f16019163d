/** A load-generator job: one autocannon run (after its own warm-up) against one endpoint. */
export interface LoadSpec {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly connections: number;
  readonly durationSec?: number;
  /** Stop after this many requests instead of after durationSec. */
  readonly amount?: number;
  readonly warmupSec: number;
  /** Requests per second across all connections (open-loop pacing); unset: as fast as possible. */
  readonly overallRate?: number;
  /** A JSON file of `{method, path, headers}` entries, split evenly between the connections. */
  readonly requestsFile?: string;
  /** One body per connection (connection i sends bodies[i % length]), e.g. one account each. */
  readonly bodies?: readonly string[];
}

/** Several specs measured at the same time (e.g. a login flood and a probe). */
export interface LoadJob {
  readonly specs: readonly LoadSpec[];
}

export interface LoadResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly durationSec: number;
  readonly rps: number;
  /** Latency percentiles in ms (2xx responses only, 10 µs resolution). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly statuses: Record<string, number>;
}
