/**
 * The real app, built in process over the real database layer, for tools that look inside one
 * request at the driver (bench/statements.ts, bench/experiments/login-statements.ts).
 */
import SQLite from 'better-sqlite3';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { createArgon2Hasher, FAST_ARGON2 } from '../../src/account/hasher.js';
import { createMailer, type Mailer } from '../../src/email/mailer.js';
import { createMemoryCounterStore } from '../../src/rate-limit/counters.js';
import { createLogger } from '../../src/logger.js';
import { BENCH_PASSWORD } from './client.js';

type App = Awaited<ReturnType<typeof buildApp>>['app'];

export interface InProcessApp {
  readonly app: App;
  readonly db: Db;
  readonly mailer: Mailer;
  readonly close: () => Promise<void>;
}

/**
 * Production settings (mail to nowhere, fast hashing: the hash is not what these tools measure),
 * migrated, on `url`; `env` adds to or overrides the configuration.
 */
export async function inProcessApp(url: string, secret: string, clock: { now(): number }, env: Record<string, string> = {}): Promise<InProcessApp> {
  const config = loadConfig(
    { NODE_ENV: 'production', SESSION_SECRET: secret, DATABASE_URL: url, MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 're_bench_not_a_real_key', PUBLIC_URL: 'http://localhost:3000', ...env },
    { persistDevSecret: false },
  );
  const db = openDatabase(url);
  await migrateToLatest(db);
  const logger = createLogger('silent');
  const transport = { kind: 'null', send: (): Promise<void> => Promise.resolve(), close: (): Promise<void> => Promise.resolve() };
  const mailer = createMailer(transport, { db: db.kysely, clock, logger });
  const { app } = await buildApp(config, { db, mailer, hasher: createArgon2Hasher(FAST_ARGON2), clock, counters: createMemoryCounterStore(), logger });
  return {
    app,
    db,
    mailer,
    close: async (): Promise<void> => {
      await app.close();
      await mailer.close();
      await db.close();
    },
  };
}

/** Registers an account with the bench password through the API; returns its user id. */
export async function registerInProcess(app: App, email: string): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: BENCH_PASSWORD, name: 'Bench' } });
  if (r.statusCode !== 201) throw new Error(`register: ${String(r.statusCode)}`);
  return (JSON.parse(r.body) as { user: { id: string } }).user.id;
}

/** Signs an account in with the bench password through the API; anything but 200 throws. */
export async function loginInProcess(app: App, email: string, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<App['inject']>>> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: BENCH_PASSWORD }, headers });
  if (r.statusCode !== 200) throw new Error(`login: ${String(r.statusCode)}`);
  return r;
}

/**
 * Calls `around(sql, execute)` for every execution of every better-sqlite3 statement (run, get,
 * all, iterate) in this process: what reaches SQLite, whatever issued it.
 */
export function aroundSqliteStatements(around: (sql: string, execute: () => unknown) => unknown): void {
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method] as (this: { source: string }, ...args: unknown[]) => unknown;
    proto[method] = function wrapped(this: { source: string }, ...args: unknown[]): unknown {
      return around(this.source, () => original.apply(this, args));
    };
  }
}
