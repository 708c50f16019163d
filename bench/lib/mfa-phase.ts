import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import { openDatabase } from '../../src/db/database.js';
import { newId } from '../../src/crypto/random.js';
import { createSecretBox } from '../../src/mfa/secret-box.js';
import type { Row } from './table.js';
import type { AuthInput } from './auth-phases.js';
import { BENCH_PASSWORD } from './client.js';
import { LOADER_CORE, REPO, runJsonChild, TSX } from './procs.js';

/** A login with TOTP (two requests) may cost at most this much more than a password login. */
export const TOTP_LOGIN_TARGET = 1.05;
/** Each TOTP account signs in once (a code is accepted once); more than the fastest run can use. */
const TOTP_ACCOUNTS_PER_SECOND = 250;
const CHUNK = 400;

interface Pass {
  readonly rps: number;
  readonly ok: number;
  readonly failed: number;
}

/** Accounts with the bench password and a confirmed TOTP, sealed with the server's own key. */
export async function seedTotpAccounts(databaseUrl: string, secret: string, passwordHash: string, count: number): Promise<{ email: string; secret: string }[]> {
  const db = openDatabase(databaseUrl);
  const box = createSecretBox(secret, undefined);
  const now = Date.now();
  const accounts = Array.from({ length: count }, (_, i) => ({ id: newId(), email: `totp-${String(i)}@bench.invalid`, secret: new Secret({ size: 20 }).base32 }));
  try {
    for (let i = 0; i < accounts.length; i += CHUNK) {
      const chunk = accounts.slice(i, i + CHUNK);
      await db.kysely
        .insertInto('users')
        .values(chunk.map((a) => ({ id: a.id, email: a.email, name: 'Bench TOTP', password_hash: passwordHash, email_verified: 1, role: 'user' as const, disabled: 0, created_at: now, updated_at: now, password_changed_at: now, email_changed_at: now })))
        .execute();
      await db.kysely
        .insertInto('mfa_totp')
        .values(chunk.map((a) => ({ user_id: a.id, secret_sealed: box.seal(a.secret, a.id), created_at: now, confirmed_at: now, last_step: null })))
        .execute();
    }
  } finally {
    await db.close();
  }
  return accounts.map(({ email, secret: s }) => ({ email, secret: s }));
}

/**
 * Password login against password + TOTP login, measured by the same client (bench/mfa-login-load.ts
 * on the load core) in alternating passes; the totals of each kind are compared.
 */
export async function totpLoginRows(input: AuthInput, passwordHash: string, passwordAccounts: readonly string[]): Promise<Row[]> {
  const { settings, server, log } = input;
  // Four rounds of two passes of half the usual length each: the same 24 s as two rounds of full
  // passes, with the two kinds alternating twice as often (see bench/mfa-login-load.ts).
  const rounds = 4;
  const passSec = settings.durationSec / 2;
  const count = Math.ceil(TOTP_ACCOUNTS_PER_SECOND * passSec * rounds);
  log(`seeding ${String(count)} TOTP accounts`);
  const totpAccounts = await seedTotpAccounts(input.databaseUrl, server.secret, passwordHash, count);
  log(`password login vs password + TOTP login, ${String(settings.loginConnections)} connections, ${String(rounds)} rounds`);
  const job = { url: server.url, password: BENCH_PASSWORD, connections: settings.loginConnections, durationSec: passSec, rounds, passwordAccounts, totpAccounts };
  const jobFile = join(input.tmp, 'totp-login-job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const result = await runJsonChild<{ password: Pass; totp: Pass }>(LOADER_CORE, ['--import', TSX, join(REPO, 'bench', 'mfa-login-load.ts'), jobFile]);
  if (result.password.failed > 0 || result.totp.failed > 0) throw new Error(`logins failed: ${String(result.password.failed)} password, ${String(result.totp.failed)} TOTP`);
  const cost = result.password.rps / result.totp.rps;
  return [
    { variant: 'POST /api/auth/login, password only (same client as the next row)', rps: result.password.rps, ratio: '1.00 × password' },
    {
      variant: 'login with TOTP: /api/auth/login + /api/auth/login/mfa (each account once)',
      rps: result.totp.rps,
      ratio: `costs ${cost.toFixed(2)} × a password login`,
      target: `≤ ${TOTP_LOGIN_TARGET.toFixed(2)} ×`,
      met: cost <= TOTP_LOGIN_TARGET,
    },
  ];
}
