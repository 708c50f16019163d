/**
 * CPU profile of the server under GET /api/auth/me load: where the time of one request goes.
 * Starts the production server with --cpu-prof (optionally a prototype: VARIANT=<name> from
 * bench/experiments/variants.ts), drives it from the load-generator core, then prints self time by
 * package and inclusive time of the hottest functions.
 *
 *   npx tsx bench/profile.ts            (env: VARIANT, DURATION, ENDPOINT, TOP, PROFILE_DB=postgres,
 *                                        PROFILE_ENTRY=dist: the compiled server `npm start` runs, after `npm run prebench`;
 *                                        PROFILE_ENTRY=<file>: another compiled entry, e.g. an older build)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGatehouse } from './lib/gatehouse.js';
import { startMailSink } from './lib/mail-sink.js';
import { register } from './lib/client.js';
import { analyze, type Profile } from './lib/cpuprofile.js';
import { createFreshDatabase } from './lib/pg.js';
import { REPO, useNiceness } from './lib/procs.js';
import { assertAllOk, runOne } from './lib/measure.js';
import { variantLaunch } from './experiments/materialize.js';
import { VARIANTS } from './experiments/variants.js';

async function main(): Promise<void> {
  const variant = process.env.VARIANT;
  const duration = Number(process.env.DURATION ?? '8');
  const path = process.env.ENDPOINT ?? '/api/auth/me';
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
  const sink = await startMailSink();
  const chosen = variant === undefined ? undefined : VARIANTS.find((v) => v.name === variant);
  if (variant !== undefined && chosen === undefined) throw new Error(`no variant ${variant}`);
  const variantLaunched = await variantLaunch(chosen ?? { name: 'baseline', patches: [] });
  const entry = process.env.PROFILE_ENTRY;
  const compiledEntry = entry === 'dist' ? join(REPO, 'dist', 'server.js') : entry === undefined || entry === '' ? undefined : resolve(REPO, entry);
  const launch = compiledEntry === undefined ? variantLaunched : { ...variantLaunched, compiledEntry, nodeArgs: ['--max-semi-space-size=1', ...variantLaunched.nodeArgs] };
  // PROFILE_DB=postgres: a fresh PostgreSQL database (see lib/pg.ts), at normal priority.
  const pgDb = process.env.PROFILE_DB === 'postgres' ? await createFreshDatabase() : undefined;
  if (pgDb !== undefined && 'skipped' in pgDb) throw new Error(pgDb.skipped);
  if (pgDb !== undefined) useNiceness(false);
  const server = await startGatehouse({
    databaseUrl: pgDb?.url ?? `sqlite:${join(tmp, 'bench.db')}`,
    mailUrl: sink.url,
    cwd: tmp,
    launch,
    nodeArgs: [
      ...launch.nodeArgs,
      '--cpu-prof',
      '--cpu-prof-dir',
      tmp,
    ],
    env: chosen?.env ?? {},
  });
  let window: readonly [number, number] = [0, Number.MAX_SAFE_INTEGER];
  try {
    const cookie = await register(server.url, 'profile@bench.invalid');
    const r = await runOne(server.child.pid, { url: `${server.url}${path}`, headers: { cookie }, connections: 10, durationSec: duration, warmupSec: 2 });
    assertAllOk('profile', r);
    window = r.windowUs;
    process.stdout.write(`${path}: ${r.rps.toFixed(0)} req/s at ${(r.cpu * 100).toFixed(0)}% CPU (${((r.cpu * 1e6) / r.rps).toFixed(1)} µs CPU/req)\n`);
  } finally {
    await server.child.stop();
    await sink.close();
    await pgDb?.drop();
  }
  const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  process.stdout.write(`${analyze(JSON.parse(readFileSync(join(tmp, file), 'utf8')) as Profile, window, Number(process.env.TOP ?? '40'))}\n`);
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
