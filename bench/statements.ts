/**
 * Counts the SQL statements behind one `GET /api/auth/me` (and one login), in process: the real
 * app from src/app.ts over the real database layer, counting at the driver (every better-sqlite3
 * statement execution, every node-postgres query: what reaches the database, whatever issued it).
 * Time is a manual clock so the throttled `lastActiveAt` write can be shown to happen once a minute.
 * Usage: statements.ts <DATABASE_URL>. Prints one JSON line.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrations.js';
import { createArgon2Hasher, FAST_ARGON2 } from '../src/account/hasher.js';
import { createMailer } from '../src/email/mailer.js';
import { createMemoryCounterStore } from '../src/rate-limit/counters.js';
import { createLogger } from '../src/logger.js';
import { BENCH_PASSWORD } from './lib/client.js';
import { benchSecret } from './lib/gatehouse.js';

const REQUESTS = 500;

interface Counter {
  count: number;
  sql: Set<string>;
}

/** Wraps the drivers' execution methods so every statement sent to a database is counted. */
function countStatements(counter: Counter): void {
  const probe = new SQLite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statementProto[method] as (this: { source: string }, ...args: unknown[]) => unknown;
    statementProto[method] = function counted(this: { source: string }, ...args: unknown[]): unknown {
      counter.count += 1;
      counter.sql.add(this.source);
      return original.apply(this, args);
    };
  }
  const clientProto = pg.Client.prototype as unknown as Record<string, unknown>;
  const query = clientProto.query as (this: unknown, ...args: unknown[]) => unknown;
  clientProto.query = function counted(this: unknown, ...args: unknown[]): unknown {
    counter.count += 1;
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
    counter.sql.add(typeof text === 'string' ? text : '');
    return query.apply(this, args);
  };
}

async function main(): Promise<void> {
  const url = process.argv[2] ?? 'sqlite::memory:';
  const counter: Counter = { count: 0, sql: new Set() };
  let now = Date.now();
  const clock = { now: (): number => now };
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      // The secret every bench server on this database uses (it seals the OIDC keys there).
      SESSION_SECRET: benchSecret(url),
      DATABASE_URL: url,
      MAIL_TRANSPORT: 'resend',
      RESEND_API_KEY: 're_bench_not_a_real_key',
      PUBLIC_URL: 'http://localhost:3000',
    },
    { persistDevSecret: false },
  );
  countStatements(counter);
  const db = openDatabase(url);
  await migrateToLatest(db);
  const logger = createLogger('silent');
  const transport = { kind: 'null', send: (): Promise<void> => Promise.resolve(), close: (): Promise<void> => Promise.resolve() };
  const mailer = createMailer(transport, { db: db.kysely, clock, logger });
  const deps = { db, mailer, hasher: createArgon2Hasher(FAST_ARGON2), clock, counters: createMemoryCounterStore(), logger };
  const { app } = await buildApp(config, deps);

  const email = `stmt-${String(process.pid)}-${String(Date.now())}@bench.invalid`;
  const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: BENCH_PASSWORD, name: 'Bench' } });
  if (reg.statusCode !== 201) throw new Error(`register: ${String(reg.statusCode)}`);
  await mailer.flush();

  counter.count = 0;
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: BENCH_PASSWORD } });
  if (login.statusCode !== 200) throw new Error(`login: ${String(login.statusCode)}`);
  const perLogin = counter.count;
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  async function me(): Promise<void> {
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    if (res.statusCode !== 200) throw new Error(`me: ${String(res.statusCode)}`);
  }
  counter.count = 0;
  counter.sql.clear();
  for (let i = 0; i < REQUESTS; i++) await me();
  const perMe = counter.count / REQUESTS;
  const meSql = [...counter.sql];
  // A minute later: the first request writes lastActiveAt once, the rest do not.
  now += 61_000;
  counter.count = 0;
  for (let i = 0; i < REQUESTS; i++) await me();
  const writesAfterMinute = counter.count - REQUESTS;
  await app.close();
  await mailer.close();
  await db.close();
  process.stdout.write(`${JSON.stringify({ perMe, writesAfterMinute, perLogin, meSql })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
