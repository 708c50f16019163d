/**
 * Where a login's CPU goes, per thread: starts Gatehouse as `npm start` runs it (compiled, pinned
 * to the server core), stores accounts with a production-parameter hash, drives POST
 * /api/auth/login from the load core and reads every server thread's CPU time from
 * /proc/<pid>/task before and after. The event loop is the main thread; argon2 runs on the
 * hashing threads (src/account/hash-pool.ts); the rest are V8's and libuv's helpers.
 *   npx tsx bench/experiments/threads.ts     (env: BENCH_DURATION, NODE_FLAGS, MOVE_HASH=1)
 * MOVE_HASH=1 moves the busiest non-main threads to the load core after a short warm-up, so the
 * main thread's own cost can be read (or profiled) without the hashing threads preempting it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, type Algorithm } from '@node-rs/argon2';
import { OWASP_ARGON2 } from '../../src/account/hasher.js';
import { BENCH_PASSWORD } from '../lib/client.js';
import { setDefaultLaunch, startGatehouse } from '../lib/gatehouse.js';
import { startMailSink } from '../lib/mail-sink.js';
import { runOne, spec } from '../lib/measure.js';
import { LOADER_CORE, REPO } from '../lib/procs.js';
import { seedUsers } from '../lib/seed.js';
import { threadCpuDelta, threadCpuMs, threadCpuSplit, threadCpuSplitDelta } from '../lib/thread-cpu.js';
import { readSettings } from '../lib/settings.js';

// `Algorithm.Argon2id` is a const enum, which isolated modules cannot read at run time.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const ARGON2ID = 2 as Algorithm.Argon2id;

async function main(): Promise<void> {
  const settings = readSettings();
  setDefaultLaunch({ nodeArgs: (process.env.NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter((a) => a !== ''), compiledEntry: join(REPO, 'dist', 'server.js') });
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-threads-'));
  const sink = await startMailSink();
  const databaseUrl = `sqlite:${join(tmp, 'bench.db')}`;
  const server = await startGatehouse({ databaseUrl, mailUrl: sink.url, cwd: tmp });
  try {
    const { memoryCost, timeCost, parallelism } = OWASP_ARGON2;
    const passwordHash = await hash(BENCH_PASSWORD, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism });
    const accounts = await seedUsers(databaseUrl, settings.loginConnections, passwordHash, 'threads');
    const login = spec(settings, `${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      bodies: accounts.map((email) => JSON.stringify({ email, password: BENCH_PASSWORD })),
      connections: settings.loginConnections,
    });
    const pid = server.child.pid;
    if (process.env.MOVE_HASH === '1') {
      const before = threadCpuMs(pid);
      await runOne(pid, { ...login, warmupSec: 0, durationSec: 2 });
      for (const [tid, ms] of threadCpuDelta(before, threadCpuMs(pid))) {
        if (tid !== String(pid) && ms > 500) execFileSync('taskset', ['-p', '-c', String(LOADER_CORE), tid]);
      }
    }
    const before = threadCpuSplit(pid);
    const result = await runOne(pid, { ...login, warmupSec: 0 });
    const used = threadCpuSplitDelta(before, threadCpuSplit(pid));
    const logins = result.rps * result.durationSec;
    process.stdout.write(`${result.rps.toFixed(1)} logins/s (${String(result.statuses[200] ?? 0)} × 200), CPU per login by thread (user + kernel):\n`);
    const perLogin = (ms: number): string => ((ms * 1000) / logins).toFixed(0);
    const rows = [...used]
      .map(([tid, t]) => ({ tid, ...t, ms: t.userMs + t.sysMs }))
      .filter((r) => r.ms > 0)
      .sort((a, b) => b.ms - a.ms);
    for (const { tid, userMs, sysMs, ms } of rows) {
      const role = tid === String(pid) ? 'main (event loop)' : ms * 1000 > logins * 2000 ? 'hashing' : 'helper';
      process.stdout.write(`  ${tid.padEnd(8)} ${role.padEnd(18)} ${perLogin(ms).padStart(6)} µs (${perLogin(userMs)} + ${perLogin(sysMs)})\n`);
    }
  } finally {
    await server.child.stop();
    await sink.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
