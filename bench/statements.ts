/**
 * Counts the SQL statements behind one `GET /api/auth/me` (and one login), in process: the real
 * app from src/app.ts over the real database layer, counting at the driver (every better-sqlite3
 * statement execution, every node-postgres query: what reaches the database, whatever issued it).
 * Time is a manual clock so the throttled `lastActiveAt` write can be shown to happen once a minute.
 * Usage: statements.ts <DATABASE_URL>. Prints one JSON line.
 */
import pg from 'pg';
import { benchSecret } from './lib/gatehouse.js';
import { aroundSqliteStatements, inProcessApp, loginInProcess, registerInProcess } from './lib/in-process.js';

const REQUESTS = 500;

interface Counter {
  count: number;
  sql: Set<string>;
}

/** Wraps the drivers' execution methods so every statement sent to a database is counted. */
function countStatements(counter: Counter): void {
  aroundSqliteStatements((sql, execute) => {
    counter.count += 1;
    counter.sql.add(sql);
    return execute();
  });
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
  countStatements(counter);
  // The secret every bench server on this database uses (it seals the OIDC keys there).
  const { app, mailer, close } = await inProcessApp(url, benchSecret(url), clock);

  const email = `stmt-${String(process.pid)}-${String(Date.now())}@bench.invalid`;
  await registerInProcess(app, email);
  await mailer.flush();

  counter.count = 0;
  const login = await loginInProcess(app, email);
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
  await close();
  process.stdout.write(`${JSON.stringify({ perMe, writesAfterMinute, perLogin, meSql })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
