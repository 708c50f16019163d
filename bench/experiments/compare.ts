/**
 * A/B runs of hot-path prototypes. Each variant is src/ with some files replaced by the copies in
 * bench/experiments/patches/ (see variants.ts, materialize.ts), started like the real server and
 * measured on GET /api/auth/me in interleaved rounds, so outside load on the machine hits every
 * variant alike. Server CPU per request is the primary number: it barely moves when another
 * process steals time, unlike req/s.
 *
 *   npx tsx bench/experiments/compare.ts baseline jwt-hmac [...]   (env: ROUNDS, DURATION, MEMORY=1, ENDPOINT)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMailSink } from '../lib/mail-sink.js';
import { register } from '../lib/client.js';
import { assertAllOk, runOne } from '../lib/measure.js';
import { memoryMb } from '../lib/procs.js';
import { findVariants, startVariant, type VariantServer } from './materialize.js';
import { seedSessions } from '../lib/seed.js';
import { VARIANTS } from './variants.js';

interface Sample {
  readonly rps: number;
  readonly usPerReq: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] ?? Number.NaN : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const variants = findVariants(names, VARIANTS);
  const rounds = Number(process.env.ROUNDS ?? '3');
  const duration = Number(process.env.DURATION ?? '4');
  const path = process.env.ENDPOINT ?? '/api/auth/me';
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-compare-'));
  const sink = await startMailSink();
  const servers: VariantServer[] = [];
  try {
    const probes: string[] = [];
    for (const v of variants) {
      const server = await startVariant(v, tmp, sink.url);
      servers.push(server);
      probes.push(await register(server.url, `probe-${v.name}@bench.invalid`));
    }
    const samples: Sample[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const server = servers[i];
        if (server === undefined) continue;
        const r = await runOne(server.child.pid, { url: `${server.url}${path}`, headers: { cookie: probes[i] ?? '' }, connections: 10, durationSec: duration, warmupSec: 1 });
        assertAllOk(variants[i]?.name ?? '', r);
        samples[i]?.push({ rps: r.rps, usPerReq: (r.cpu * 1e6) / r.rps, p50: r.p50, p99: r.p99, cpu: r.cpu });
        process.stderr.write(`round ${String(round + 1)} ${variants[i]?.name ?? ''}: ${r.rps.toFixed(0)} req/s, ${((r.cpu * 1e6) / r.rps).toFixed(1)} µs CPU/req, cpu ${(r.cpu * 100).toFixed(0)}%\n`);
      }
    }
    const base = median(samples[0]?.map((s) => s.usPerReq) ?? []);
    const lines = [`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${String(rounds)} rounds × ${String(duration)} s on ${path}`];
    lines.push('| variant | median µs CPU/req | gain vs first | best req/s | median p50 ms | median p99 ms | RSS MB |');
    lines.push('|---|--:|--:|--:|--:|--:|--:|');
    for (let i = 0; i < variants.length; i++) {
      const s = samples[i] ?? [];
      const us = median(s.map((x) => x.usPerReq));
      let rss = '';
      const server = servers[i];
      if (process.env.MEMORY === '1' && server !== undefined) {
        const seeded = await seedSessions(server.databaseUrl, server.secret, 10_000, join(tmp, `req-${String(i)}.json`));
        const r = await runOne(server.child.pid, { url: server.url, connections: 10, amount: 100_000, warmupSec: 0, requestsFile: seeded.requestsFile });
        assertAllOk('memory', r);
        rss = memoryMb(server.child.pid).rss.toFixed(0);
      }
      lines.push(
        `| ${variants[i]?.name ?? ''} | ${us.toFixed(1)} | ${i === 0 ? '' : `${(((base - us) / base) * 100).toFixed(1)}%`} | ${Math.max(...s.map((x) => x.rps)).toFixed(0)} | ${median(s.map((x) => x.p50)).toFixed(2)} | ${median(s.map((x) => x.p99)).toFixed(2)} | ${rss} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const s of servers) await s.child.stop();
    await sink.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
