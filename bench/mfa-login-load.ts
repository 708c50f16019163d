/**
 * Load generator for the second-factor login row (pinned to the load core by bench/lib/mfa-phase.ts):
 * `connections` virtual users, each signing in over and over, alternating passes of plain password
 * logins and password + TOTP logins (two requests, the gh_mfa cookie carried between them), so both
 * are measured by the same client in the same run. Every TOTP account is used once (a code is
 * accepted once per 30 s step). Prints one JSON line: {password, totp} as {rps, ok, failed}, the
 * totals of all passes of each kind.
 */
import { readFileSync } from 'node:fs';
import { cookiePair, totpCodeNow } from './lib/client.js';

interface Job {
  readonly url: string;
  readonly password: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly rounds: number;
  readonly passwordAccounts: readonly string[];
  readonly totpAccounts: readonly { readonly email: string; readonly secret: string }[];
}

interface Pass {
  seconds: number;
  ok: number;
  failed: number;
}

async function login(job: Job, email: string): Promise<Response> {
  return fetch(`${job.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: job.password }) });
}

async function passwordLogin(job: Job, email: string): Promise<boolean> {
  const res = await login(job, email);
  await res.arrayBuffer();
  return res.status === 200;
}

async function totpLogin(job: Job, account: { email: string; secret: string }): Promise<boolean> {
  const first = await login(job, account.email);
  await first.arrayBuffer();
  const pending = cookiePair(first, 'gh_mfa');
  if (first.status !== 200 || pending === undefined) return false;
  const code = totpCodeNow(account.secret);
  const second = await fetch(`${job.url}/api/auth/login/mfa`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: pending }, body: JSON.stringify({ code }) });
  await second.arrayBuffer();
  return second.status === 200;
}

async function runPass(job: Job, next: () => (() => Promise<boolean>) | undefined): Promise<Pass> {
  const started = performance.now();
  const deadline = started + job.durationSec * 1000;
  let ok = 0;
  let failed = 0;
  const user = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const attempt = next();
      if (attempt === undefined) return;
      if (await attempt()) ok += 1;
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: job.connections }, user));
  return { seconds: (performance.now() - started) / 1000, ok, failed };
}

async function main(): Promise<void> {
  // The job (thousands of accounts) comes in a file: as an argument it would exceed the kernel's 128 KiB per argument (E2BIG).
  const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Job;
  let p = 0;
  let t = 0;
  const passwordNext = (): (() => Promise<boolean>) => {
    const email = job.passwordAccounts[p++ % job.passwordAccounts.length] ?? '';
    return () => passwordLogin(job, email);
  };
  const totpNext = (): (() => Promise<boolean>) | undefined => {
    const account = job.totpAccounts[t++];
    return account === undefined ? undefined : () => totpLogin(job, account);
  };
  // Totals over all passes: host noise that slows one pass slows the passes beside it too, so
  // short alternating passes summed compare the two kinds of login over the same stretch of time.
  const totals = { password: { seconds: 0, ok: 0, failed: 0 }, totp: { seconds: 0, ok: 0, failed: 0 } };
  const add = (into: Pass, pass: Pass): void => {
    into.seconds += pass.seconds;
    into.ok += pass.ok;
    into.failed += pass.failed;
  };
  for (let round = 0; round < job.rounds; round++) {
    add(totals.password, await runPass(job, passwordNext));
    add(totals.totp, await runPass(job, totpNext));
  }
  const rate = (t: Pass): { rps: number; ok: number; failed: number } => ({ rps: t.ok / t.seconds, ok: t.ok, failed: t.failed });
  process.stdout.write(`${JSON.stringify({ password: rate(totals.password), totp: rate(totals.totp) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`mfa login load failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
