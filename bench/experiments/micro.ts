/**
 * CPU cost of each step of the /me hot path, in process, in µs of CPU per operation (robust to
 * other load on the machine, unlike req/s). With a variant name the same steps run on src/ with
 * that prototype's patches (through override-hooks.mjs).
 *
 *   npx tsx bench/experiments/micro.ts [variant]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, SERVER_CORE, pinnedNode } from '../lib/procs.js';
import { findVariants, materialize } from './materialize.js';
import { tsxLaunch } from '../lib/gatehouse.js';
import { VARIANTS } from './variants.js';

async function cpuPerOp(name: string, ops: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(2000, ops); i++) await op(i); // warm-up (JIT, caches)
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < ops) await op(next++);
    }),
  );
  const used = process.cpuUsage(before);
  process.stdout.write(`${name.padEnd(58)} ${((used.user + used.system) / ops).toFixed(2).padStart(8)} µs CPU/op\n`);
}

async function child(): Promise<void> {
  const { createTokenKeys } = await import('../../src/crypto/jwt.js');
  const { issueSessionToken, readSessionToken } = await import('../../src/session/tokens.js');
  const { openDatabase } = await import('../../src/db/database.js');
  const { migrateToLatest } = await import('../../src/db/migrations.js');
  const { authRowStatement } = await import('../../src/session/auth-row.js');
  const { checkSession } = await import('../../src/session/authenticate.js');
  const { loadConfig } = await import('../../src/config.js');
  const { newId, randomToken } = await import('../../src/crypto/random.js');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-micro-'));
  const db = openDatabase(`sqlite:${join(dir, 'micro.db')}`);
  try {
    await migrateToLatest(db);
    const now = Date.now();
    const userId = newId();
    const sessionId = randomToken();
    await db.kysely
      .insertInto('users')
      .values({ id: userId, email: 'micro@bench.invalid', name: 'Micro', password_hash: 'x', email_verified: 1, role: 'user', disabled: 0, created_at: now, updated_at: now, password_changed_at: now, email_changed_at: now })
      .execute();
    await db.kysely
      .insertInto('sessions')
      .values({ id: sessionId, user_id: userId, created_at: now, last_active_at: now, expires_at: now + 86_400_000, revoked_at: null, ip: null, user_agent: null, impersonator_id: null, impersonator_session_id: null })
      .execute();
    const secret = 'micro-benchmark-secret-0123456789abcdefghijkl';
    const keys = await createTokenKeys('gatehouse-session', secret, undefined);
    const token = await issueSessionToken(keys, { sessionId, userId, csrf: randomToken(24) }, now, now + 86_400_000);
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 'x', DATABASE_URL: 'sqlite::memory:' }, { persistDevSecret: false });
    const services = { config, db, clock: { now: () => Date.now() }, sessionKeys: keys } as unknown as Parameters<typeof checkSession>[0];

    await cpuPerOp('session token verify (readSessionToken), 10 in flight', 50_000, 10, async () => {
      if ((await readSessionToken(keys, token, Date.now())) === null) throw new Error('token refused');
    });
    await cpuPerOp('session + user row (authRowStatement.run), sequential', 50_000, 1, async () => {
      if ((await authRowStatement(db).run([sessionId])) === undefined) throw new Error('no row');
    });
    await cpuPerOp('whole check (checkSession), 10 in flight', 50_000, 10, async () => {
      const r = await checkSession(services, { sessionCookie: token, csrf: null });
      if (!r.ok) throw new Error(`check failed: ${r.code}`);
    });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parent(): void {
  const name = process.argv[2] ?? 'baseline';
  const [variant] = findVariants([name], VARIANTS);
  const overrideDir = materialize(variant?.patches ?? []);
  const launch = tsxLaunch(overrideDir === undefined ? { nodeArgs: [] } : { nodeArgs: [], overrideDir });
  const [cmd, args] = pinnedNode(SERVER_CORE, [...launch.args, join(REPO, 'bench', 'experiments', 'micro.ts'), '--child']);
  process.stdout.write(`variant ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...launch.env } });
  process.exitCode = r.status ?? 1;
}

if (process.argv.includes('--child')) {
  child().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
} else {
  parent();
}
