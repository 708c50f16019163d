/**
 * The event loop's CPU per password login and per TOTP login (both requests): starts Gatehouse as
 * `npm start` runs it (compiled, pinned to the server core), warms both kinds up, moves the busy
 * non-main threads (the hashing thread) to the load core, then alternates passes of each kind and
 * reads the server's threads from /proc. The difference between the two is what the second factor
 * costs the event loop, the part the TOTP target is about. Run it on the load core:
 *
 *   taskset -c 1 npx tsx bench/experiments/totp-threads.ts   (env: SEC per pass, ROUNDS, ENTRY, NODE_FLAGS)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, type Algorithm } from '@node-rs/argon2';
import { OWASP_ARGON2 } from '../../src/account/hasher.js';
import { BENCH_PASSWORD, cookiePair, totpCodeNow } from '../lib/client.js';
import { setDefaultLaunch, startGatehouse } from '../lib/gatehouse.js';
import { startMailSink } from '../lib/mail-sink.js';
import { seedTotpAccounts } from '../lib/mfa-phase.js';
import { LOADER_CORE, REPO } from '../lib/procs.js';
import { seedUsers } from '../lib/seed.js';
import { threadCpuDelta, threadCpuMs } from '../lib/thread-cpu.js';

// `Algorithm.Argon2id` is a const enum, which isolated modules cannot read at run time.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const ARGON2ID = 2 as Algorithm.Argon2id;
const CONNECTIONS = 4;
const TOTP_LOGINS_PER_SECOND = 200;

interface Pass {
  readonly perSecond: number;
  readonly mainUs: number;
  readonly otherUs: number;
}

async function main(): Promise<void> {
  const passSec = Number(process.env.SEC ?? '8');
  const rounds = Number(process.env.ROUNDS ?? '3');
  const nodeArgs = (process.env.NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter((a) => a !== '');
  setDefaultLaunch({ nodeArgs, compiledEntry: process.env.ENTRY ?? join(REPO, 'dist', 'server.js') });
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-totp-threads-'));
  const sink = await startMailSink();
  const databaseUrl = `sqlite:${join(tmp, 'bench.db')}`;
  const server = await startGatehouse({ databaseUrl, mailUrl: sink.url, cwd: tmp });
  const pid = server.child.pid;
  try {
    const { memoryCost, timeCost, parallelism } = OWASP_ARGON2;
    const passwordHash = await hash(BENCH_PASSWORD, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism });
    const passwordAccounts = await seedUsers(databaseUrl, CONNECTIONS * 4, passwordHash, 'threads');
    // Each TOTP account signs in once (a code is accepted once per step); enough for every pass.
    const totpAccounts = await seedTotpAccounts(databaseUrl, server.secret, passwordHash, TOTP_LOGINS_PER_SECOND * passSec * (rounds + 1));
    let p = 0;
    let t = 0;
    const post = (path: string, body: unknown, cookie?: string): Promise<Response> =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) }, body: JSON.stringify(body) });
    const passwordLogin = async (): Promise<void> => {
      const res = await post('/api/auth/login', { email: passwordAccounts[p++ % passwordAccounts.length], password: BENCH_PASSWORD });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`password login: ${String(res.status)}`);
    };
    const totpLogin = async (): Promise<void> => {
      const account = totpAccounts[t++];
      if (account === undefined) throw new Error('out of TOTP accounts');
      const first = await post('/api/auth/login', { email: account.email, password: BENCH_PASSWORD });
      await first.arrayBuffer();
      const pending = cookiePair(first, 'gh_mfa');
      if (pending === undefined) throw new Error(`no gh_mfa: ${String(first.status)}`);
      const code = totpCodeNow(account.secret);
      const second = await post('/api/auth/login/mfa', { code }, pending);
      await second.arrayBuffer();
      if (second.status !== 200) throw new Error(`login/mfa: ${String(second.status)}`);
    };
    const pass = async (login: () => Promise<void>, seconds: number): Promise<Pass> => {
      const before = threadCpuMs(pid);
      const started = performance.now();
      const deadline = started + seconds * 1000;
      let logins = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (performance.now() < deadline) {
            await login();
            logins += 1;
          }
        }),
      );
      const used = threadCpuDelta(before, threadCpuMs(pid));
      const main = used.get(String(pid)) ?? 0;
      const other = [...used].filter(([tid]) => tid !== String(pid)).reduce((sum, [, ms]) => sum + ms, 0);
      return { perSecond: logins / ((performance.now() - started) / 1000), mainUs: (main * 1000) / logins, otherUs: (other * 1000) / logins };
    };
    const before = threadCpuMs(pid);
    await pass(passwordLogin, 2);
    await pass(totpLogin, 2);
    for (const [tid, ms] of threadCpuDelta(before, threadCpuMs(pid))) {
      if (tid !== String(pid) && ms > 300) execFileSync('taskset', ['-p', '-c', String(LOADER_CORE), tid], { stdio: 'ignore' });
    }
    for (let round = 1; round <= rounds; round++) {
      const password = await pass(passwordLogin, passSec);
      const totp = await pass(totpLogin, passSec);
      const line = (name: string, r: Pass): string =>
        `${name.padEnd(9)} ${r.perSecond.toFixed(1).padStart(6)}/s  event loop ${r.mainUs.toFixed(0).padStart(5)} µs  other threads ${r.otherUs.toFixed(0).padStart(6)} µs per login`;
      process.stdout.write(`round ${String(round)}\n  ${line('password', password)}\n  ${line('TOTP', totp)}\n  TOTP costs the event loop ${(totp.mainUs - password.mainUs).toFixed(0)} µs more\n`);
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
