/**
 * A/B of compiled builds against the minimal honest check, interleaved rounds, server CPU per request.
 * Each argument is name=entry[+VAR:value…]: a compiled server (e.g. dist/server.js, or an older
 * commit built with `git archive <ref> src | tar -x -C bench/scratch/<ref>` and esbuild as in
 * scripts/build-server.ts) and environment for it, e.g. "quiet=dist/server.js+LOG_LEVEL:warn".
 *
 *   npx tsx bench/experiments/builds.ts old=bench/scratch/old/dist/server.js new=dist/server.js   (env: ROUNDS, DURATION, ENDPOINT)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGatehouse } from '../lib/gatehouse.js';
import { startMailSink } from '../lib/mail-sink.js';
import { register } from '../lib/client.js';
import { runOne } from '../lib/measure.js';
import { REPO } from '../lib/procs.js';
import { referenceLogin, startSharedReference } from '../lib/references.js';

const rounds = Number(process.env.ROUNDS ?? '3');
const duration = Number(process.env.DURATION ?? '4');
const path = process.env.ENDPOINT ?? '/api/auth/me';
const tmp = mkdtempSync(join(tmpdir(), 'ab-'));
const sink = await startMailSink();
const targets: { name: string; pid: number; url: string; cookie: string; stop: () => Promise<void> }[] = [];
const minimal = await startSharedReference(tmp, 'minimal-honest-check.mjs');
targets.push({ name: 'minimal', pid: minimal.child.pid, url: minimal.meUrl, cookie: await referenceLogin(minimal), stop: () => minimal.child.stop() });
for (const arg of process.argv.slice(2)) {
  const [spec, ...envs] = arg.split('+');
  const [name, entry] = spec!.split('=');
  const { NODE_ARGS: nodeArgs, ...env } = Object.fromEntries(envs.map((e) => e.split(':') as [string, string]));
  // NODE_ARGS:<a,b> replaces the node flags `npm start` uses (e.g. "NODE_ARGS:--max-semi-space-size=16").
  const flags = nodeArgs === undefined ? ['--max-semi-space-size=1'] : nodeArgs.split(',').filter((a) => a !== '');
  const s = await startGatehouse({ databaseUrl: `sqlite:${join(tmp, `${name}.db`)}`, mailUrl: sink.url, cwd: tmp, launch: { compiledEntry: resolve(REPO, entry!) }, nodeArgs: flags, env });
  targets.push({ name: name!, pid: s.child.pid, url: `${s.url}${path}`, cookie: await register(s.url, 'ab@bench.invalid'), stop: () => s.child.stop() });
}
const res: Record<string, { us: number[]; rps: number[] }> = {};
try {
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const x = await runOne(t.pid, { url: t.url, headers: { cookie: t.cookie }, connections: 10, durationSec: duration, warmupSec: 2 });
      if (x.non2xx > 0 || x.errors > 0) throw new Error(`${t.name}: non-2xx ${JSON.stringify(x.statuses)}`);
      (res[t.name] ??= { us: [], rps: [] }).us.push((x.cpu * 1e6) / x.rps);
      res[t.name]!.rps.push(x.rps);
      process.stderr.write(`${t.name}: ${x.rps.toFixed(0)} req/s, ${((x.cpu * 1e6) / x.rps).toFixed(1)} µs/req, cpu ${(x.cpu * 100).toFixed(0)}%\n`);
    }
  }
} finally {
  for (const t of targets) await t.stop();
  await sink.close();
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const base = res.minimal!;
for (const [n, v] of Object.entries(res)) console.log(`${n.padEnd(12)} median ${med(v.us).toFixed(1)} µs/req (min ${Math.min(...v.us).toFixed(1)}), best ${Math.max(...v.rps).toFixed(0)} req/s, ${(med(base.us) / med(v.us)).toFixed(2)} × minimal by CPU`);
