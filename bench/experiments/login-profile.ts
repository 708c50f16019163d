/**
 * Where a password login's CPU goes on the event loop, without HTTP and without the hash: the real
 * app in process (production settings, fast hashing), 8 accounts signing in again and again (so
 * every login also evicts a session beyond the cap), a warm-up, then a V8 CPU profile of `logins`
 * more. Prints the CPU per login (all threads) and the profile by package and inclusive function.
 *
 *   taskset -c 0 npx tsx bench/experiments/login-profile.ts [logins, default 3000]   (env: WARMUP, TOP)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type Profile } from '../lib/cpuprofile.js';
import { inProcessApp, loginInProcess, registerInProcess } from '../lib/in-process.js';

const ACCOUNTS = 8;

async function main(): Promise<void> {
  const logins = Number(process.argv[2] ?? '3000');
  const warmup = Number(process.env.WARMUP ?? '1000');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-login-profile-'));
  const limits = { LOGIN_MAX_FAILURES: '1000000', REGISTER_MAX_PER_IP: '1000000' };
  const { app, mailer, close } = await inProcessApp(`sqlite:${join(dir, 'bench.db')}`, 'login-profile-bench-secret-0123456789', { now: (): number => Date.now() }, limits);
  try {
    const emails = Array.from({ length: ACCOUNTS }, (_, i) => `user-${String(i)}@bench.invalid`);
    for (const email of emails) await registerInProcess(app, email);
    await mailer.flush();
    async function login(i: number): Promise<void> {
      await loginInProcess(app, emails[i % ACCOUNTS] ?? '', { 'user-agent': 'bench' });
    }
    for (let i = 0; i < warmup; i++) await login(i);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const cpu = process.cpuUsage();
    for (let i = 0; i < logins; i++) await login(i);
    const used = process.cpuUsage(cpu);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    process.stdout.write(`${((used.user + used.system) / logins).toFixed(0)} µs of CPU per login (all threads, in process, no HTTP)\n`);
    process.stdout.write(`${analyze(profile as unknown as Profile, [0, Number.MAX_SAFE_INTEGER], Number(process.env.TOP ?? '50'))}\n`);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
