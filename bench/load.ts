/**
 * The load-generator process (pinned to the other core by bench/run.ts). Reads a LoadJob as JSON
 * from argv, runs every spec at once with autocannon, prints one JSON line of LoadResult[].
 * Latency is recorded here from autocannon's per-response event with 10 µs resolution (autocannon's
 * own histogram rounds to whole milliseconds).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadJob, LoadResult, LoadSpec } from './lib/load-types.js';

const BUCKET_MS = 0.01;
const BUCKETS = 200_000; // up to 2 s; slower responses land in the last bucket

function percentile(hist: Int32Array, total: number, p: number): number {
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(total * p);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] ?? 0;
    if (seen >= rank) return (i + 1) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

/** Gives each connection its own body or its own slice of the request list. */
function perConnection(spec: LoadSpec): ((client: autocannon.Client) => void) | undefined {
  let next = 0;
  const { bodies } = spec;
  if (bodies !== undefined && bodies.length > 0) {
    return (client) => {
      client.setBody(bodies[next++ % bodies.length] ?? '');
    };
  }
  if (spec.requestsFile !== undefined) {
    const all = JSON.parse(readFileSync(spec.requestsFile, 'utf8')) as autocannon.Request[];
    const size = Math.max(1, Math.floor(all.length / spec.connections));
    return (client) => {
      const i = next++ % spec.connections;
      client.setRequests(all.slice(i * size, (i + 1) * size));
    };
  }
  return undefined;
}

function options(spec: LoadSpec, durationSec: number | undefined): autocannon.Options {
  const setupClient = perConnection(spec);
  const base: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    timeout: 30,
    ...(spec.method === undefined ? {} : { method: spec.method }),
    ...(spec.headers === undefined ? {} : { headers: spec.headers }),
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }),
    ...(setupClient === undefined ? {} : { setupClient }),
  };
  return durationSec === undefined ? { ...base, amount: spec.amount ?? 1 } : { ...base, duration: durationSec };
}

async function measure(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSec > 0) await autocannon(options(spec, spec.warmupSec));
  const hist = new Int32Array(BUCKETS);
  let total = 0;
  let max = 0;
  process.stdout.write('measure\n');
  const instance = autocannon(options(spec, spec.amount === undefined ? spec.durationSec ?? 10 : undefined));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status < 200 || status >= 300) return;
    const i = Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS));
    hist[i] = (hist[i] ?? 0) + 1;
    total += 1;
    if (ms > max) max = ms;
  });
  const r = await instance;
  process.stdout.write('done\n');
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) statuses[code] = count;
  return {
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    durationSec: r.duration,
    rps: r['2xx'] / r.duration,
    p50: percentile(hist, total, 0.5),
    p99: percentile(hist, total, 0.99),
    max,
    statuses,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
  const results = await Promise.all(job.specs.map(measure));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`load generator failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
