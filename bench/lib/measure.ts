import { join } from 'node:path';
import type { LoadJob, LoadResult, LoadSpec } from './load-types.js';
import type { Settings } from './settings.js';
import { cpuSeconds, LOADER_CORE, REPO, runJsonChild, TSX } from './procs.js';

export interface Measured {
  readonly results: readonly LoadResult[];
  /** Server CPU use while measuring (warm-up excluded); 1 = one core. */
  readonly cpu: number;
  /** The measured window on the monotonic clock, in µs (as V8 CPU profiles time their samples). */
  readonly windowUs: readonly [number, number];
}

/** Runs the specs at once from the load-generator process (pinned to the loader core). */
export async function runLoad(serverPid: number, specs: readonly LoadSpec[]): Promise<Measured> {
  const job: LoadJob = { specs };
  // Server CPU is sampled between the loader's `measure` and `done` markers (warm-up excluded).
  let from: { cpu: number; at: bigint } | undefined;
  let to: { cpu: number; at: bigint } | undefined;
  const results = await runJsonChild<LoadResult[]>(LOADER_CORE, ['--import', TSX, join(REPO, 'bench', 'load.ts'), JSON.stringify(job)], (line) => {
    const mark = { cpu: cpuSeconds(serverPid), at: process.hrtime.bigint() };
    if (line === 'measure') from ??= mark;
    if (line === 'done') to ??= mark;
  });
  const cpu = from === undefined || to === undefined ? Number.NaN : (to.cpu - from.cpu) / (Number(to.at - from.at) / 1e9);
  return { results, cpu, windowUs: [Number((from?.at ?? 0n) / 1000n), Number((to?.at ?? 0n) / 1000n)] };
}

export async function runOne(serverPid: number, spec: LoadSpec): Promise<LoadResult & Omit<Measured, 'results'>> {
  const { results, cpu, windowUs } = await runLoad(serverPid, [spec]);
  const first = results[0];
  if (first === undefined) throw new Error('load generator returned nothing');
  return { ...first, cpu, windowUs };
}

/**
 * Every response of a run must be a 2xx: a 401 or 429 would make any rate meaningless. With
 * `allowNone`, a run that completed nothing at all (starved on purpose) still passes.
 */
export function assertAllOk(name: string, r: LoadResult, options: { allowNone?: boolean } = {}): void {
  if (r.non2xx > 0 || r.errors > 0 || (r.ok === 0 && options.allowNone !== true)) {
    throw new Error(`${name}: ${String(r.ok)} ok, ${String(r.non2xx)} non-2xx ${JSON.stringify(r.statuses)}, ${String(r.errors)} errors`);
  }
}

/** A throughput spec with the run's connections, duration and warm-up. */
export function spec(settings: Settings, url: string, extra: Partial<LoadSpec> = {}): LoadSpec {
  return { url, connections: settings.connections, durationSec: settings.durationSec, warmupSec: settings.warmupSec, ...extra };
}
