/**
 * Every SQL statement behind a password login and behind a TOTP login (both steps), timed at the
 * driver (better-sqlite3's run/get/all/iterate), in process, on a SQLite file in WAL mode as the
 * server runs it, with fast hashing (the hash is not what this measures). Prints, per request, the
 * statements, their µs, and how commits split into the plain WAL append and WAL checkpoints (the
 * commits that take over a millisecond).
 *
 *   npx tsx bench/experiments/login-statements.ts [logins, default 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import { createSecretBox } from '../../src/mfa/secret-box.js';
import { totpCodeNow } from '../lib/client.js';
import { aroundSqliteStatements, inProcessApp, loginInProcess, registerInProcess } from '../lib/in-process.js';

interface Timing {
  n: number;
  ns: bigint;
}

const stats = new Map<string, Timing>();
const commits: number[] = [];
const recording = { on: false, cpuUs: 0 };

/** Starts recording; the returned function stops it and keeps the process CPU time in between. */
function record(): () => void {
  recording.on = true;
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    recording.cpuUs = used.user + used.system;
    recording.on = false;
  };
}

/** Wraps the driver's execution methods: every statement that reaches SQLite is timed. */
function timeStatements(): void {
  aroundSqliteStatements((sql, execute) => {
    const started = process.hrtime.bigint();
    try {
      return execute();
    } finally {
      if (recording.on) {
        const ns = process.hrtime.bigint() - started;
        if (sql === 'commit') commits.push(Number(ns) / 1000);
        const key = sql.replace(/\s+/g, ' ').slice(0, 140);
        const t = stats.get(key) ?? { n: 0, ns: 0n };
        t.n += 1;
        t.ns += ns;
        stats.set(key, t);
      }
    }
  });
}

function report(label: string, requests: number): string {
  const rows = [...stats].sort((a, b) => Number(b[1].ns - a[1].ns));
  const totalNs = rows.reduce((sum, [, t]) => sum + t.ns, 0n);
  const count = rows.reduce((sum, [, t]) => sum + t.n, 0);
  const lines = [
    `\n${label}: ${(recording.cpuUs / requests).toFixed(0)} µs of CPU per request in all (in process, no HTTP), ` +
      `${(count / requests).toFixed(1)} statements, ${(Number(totalNs) / requests / 1000).toFixed(1)} µs of them in SQL`,
  ];
  for (const [sql, t] of rows) lines.push(`${(Number(t.ns) / requests / 1000).toFixed(1).padStart(8)} µs ${(t.n / requests).toFixed(2).padStart(5)}×  ${sql}`);
  if (commits.length > 0) {
    commits.sort((a, b) => a - b);
    const slow = commits.filter((c) => c > 1000);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    lines.push(
      `  commits: median ${(commits[Math.floor(commits.length / 2)] ?? 0).toFixed(0)} µs; ${String(slow.length)} over 1 ms (WAL checkpoints) ` +
        `are ${((sum(slow) / sum(commits)) * 100).toFixed(0)}% of commit time, longest ${(commits.at(-1) ?? 0).toFixed(0)} µs`,
    );
  }
  stats.clear();
  commits.length = 0;
  return lines.join('\n');
}

async function main(): Promise<void> {
  const logins = Number(process.argv[2] ?? '300');
  timeStatements();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-login-statements-'));
  const url = `sqlite:${join(dir, 'bench.db')}`;
  const secret = 'login-statements-bench-secret-0123456789';
  const limits = { LOGIN_MAX_FAILURES: '1000000', REGISTER_MAX_PER_IP: '1000000' };
  const { app, db, mailer, close } = await inProcessApp(url, secret, { now: (): number => Date.now() }, limits);
  const box = createSecretBox(secret, undefined);
  // Account 0 signs in with its password only; the others have a confirmed TOTP, each used once.
  const accounts: { email: string; secret: string }[] = [];
  for (let i = 0; i <= logins; i++) {
    const email = `user-${String(i)}@bench.invalid`;
    const id = await registerInProcess(app, email);
    const totpSecret = new Secret({ size: 20 }).base32;
    const now = Date.now();
    if (i > 0) await db.kysely.insertInto('mfa_totp').values({ user_id: id, secret_sealed: box.seal(totpSecret, id), created_at: now, confirmed_at: now, last_step: null }).execute();
    accounts.push({ email, secret: totpSecret });
  }
  await mailer.flush();
  const [plain, ...withTotp] = accounts;
  if (plain === undefined) throw new Error('no accounts');
  const login = (email: string): ReturnType<typeof loginInProcess> => loginInProcess(app, email);
  const out: string[] = [];
  for (let i = 0; i < 50; i++) await login(plain.email);
  let stop = record();
  for (let i = 0; i < logins; i++) await login(plain.email);
  stop();
  out.push(report('password login (POST /api/auth/login)', logins));
  const pending: string[] = [];
  stop = record();
  for (const a of withTotp) {
    const mfa = (await login(a.email)).cookies.find((c) => c.name === 'gh_mfa');
    if (mfa === undefined) throw new Error('no gh_mfa cookie');
    pending.push(`gh_mfa=${mfa.value}`);
  }
  stop();
  out.push(report('TOTP login, step 1 (POST /api/auth/login)', logins));
  stop = record();
  for (const [i, a] of withTotp.entries()) {
    const code = totpCodeNow(a.secret);
    const r = await app.inject({ method: 'POST', url: '/api/auth/login/mfa', payload: { code }, headers: { cookie: pending[i] ?? '' } });
    if (r.statusCode !== 200) throw new Error(`login/mfa: ${String(r.statusCode)}`);
  }
  stop();
  out.push(report('TOTP login, step 2 (POST /api/auth/login/mfa)', logins));
  await close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
