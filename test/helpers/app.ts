import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type Dependencies } from '../../src/app.js';
import { createTestClock, type TestClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { createArgon2Hasher, FAST_ARGON2 } from '../../src/account/hasher.js';
import { createMailer, type Mailer } from '../../src/email/mailer.js';
import { createTransport, type MailTransport } from '../../src/email/transports.js';
import { createMemoryCounterStore, type CounterStore } from '../../src/rate-limit/counters.js';
import { createLogger } from '../../src/logger.js';
import type { Services } from '../../src/services.js';

/** Obviously fake test secrets (never used outside tests). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const TEST_ORIGIN = 'http://localhost:3000';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly config: Config;
  readonly clock: TestClock;
  readonly db: Db;
  readonly mailer: Mailer;
  readonly logs: string[];
  /** Emails delivered so far (after waiting for queued deliveries), oldest first. */
  outbox(): Promise<{ to: string; subject: string; text: string; html: string }[]>;
  close(): Promise<void>;
}

export type TestDialect = 'sqlite' | 'postgres';

/** Which database this test run uses: the same suites run on both (vitest projects set it). */
export const TEST_DIALECT: TestDialect = process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL schema per test app (search_path pinned through the connection string). */
async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(TEST_DATABASE_URL);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = TEST_DATABASE_URL.includes('?') ? '&' : '?';
  return {
    url: `${TEST_DATABASE_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client(TEST_DATABASE_URL);
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export interface TestAppOptions {
  readonly env?: Record<string, string>;
  readonly clock?: TestClock;
  readonly transport?: (db: Db, clock: TestClock) => MailTransport;
  readonly counters?: CounterStore;
  /** Use this database as it is (no fresh schema, no migrations), e.g. one that cannot be reached. */
  readonly database?: Db;
}

/** In-memory SQLite (or a fresh PostgreSQL schema) per call, fast argon2 parameters, injected clock, logs captured in memory. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const pgSchema = TEST_DIALECT === 'postgres' && options.database === undefined ? await freshPostgresSchema() : undefined;
  try {
    return await buildOn(pgSchema, options);
  } catch (e) {
    await pgSchema?.drop();
    throw e;
  }
}

async function buildOn(pgSchema: { url: string; drop: () => Promise<void> } | undefined, options: TestAppOptions): Promise<TestApp> {
  const config = loadConfig(
    {
      NODE_ENV: 'development',
      SESSION_SECRET: TEST_SECRET,
      DATABASE_URL: pgSchema?.url ?? 'sqlite::memory:',
      MAIL_TRANSPORT: 'outbox',
      LOG_LEVEL: 'info',
      ...options.env,
    },
    { persistDevSecret: false },
  );
  const clock = options.clock ?? createTestClock();
  const db = options.database ?? openDatabase(config.databaseUrl);
  if (options.database === undefined) await migrateToLatest(db);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, stream);
  const transport = options.transport?.(db, clock) ?? createTransport(config.mail, db.kysely, clock, logger);
  const mailer = createMailer(transport, { db: db.kysely, clock, logger }, { attempts: 2, backoffMs: 1 });
  const deps: Dependencies = {
    db,
    mailer,
    hasher: createArgon2Hasher(FAST_ARGON2),
    clock,
    counters: options.counters ?? createMemoryCounterStore(),
    logger,
  };
  const { app, services } = await buildApp(config, deps);
  return {
    app,
    services,
    config,
    clock,
    db,
    mailer,
    logs,
    async outbox() {
      await mailer.flush();
      const rows = await db.kysely.selectFrom('outbox').selectAll().orderBy('seq', 'asc').execute();
      return rows.map((r) => ({ to: r.to_address, subject: r.subject, text: r.text_body, html: r.html_body }));
    },
    async close() {
      await app.close();
      await mailer.close();
      await db.close();
      await pgSchema?.drop();
    },
  };
}

/** Pulls the token out of the newest email to `to` whose link has this path. */
export async function tokenFromEmail(t: TestApp, to: string, path: string): Promise<string> {
  const mails = (await t.outbox()).filter((m) => m.to === to).reverse();
  for (const m of mails) {
    // The first link in the mail whose path (everything before `?token=`) ends with `path`.
    for (const [, before, token] of m.text.matchAll(/([^\s?]*)\?token=([A-Za-z0-9._%-]+)/g)) {
      if (before !== undefined && token !== undefined && before.endsWith(path)) return decodeURIComponent(token);
    }
  }
  throw new Error(`no email to ${to} with a ${path} link`);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** Leave out the X-CSRF-Token header that the agent adds to writes by default. */
  readonly noCsrf?: boolean;
  readonly cookies?: Record<string, string>;
}

/**
 * A browser-like client over app.inject: keeps the cookie jar, sends JSON, and (like the web UI's
 * fetch wrapper) echoes the CSRF cookie in X-CSRF-Token on writes.
 */
export class Agent {
  readonly jar = new Map<string, string>();
  constructor(
    readonly t: TestApp,
    readonly ip = '127.0.0.1',
  ) {}

  get sessionCookie(): string | undefined {
    return this.jar.get('gh_session');
  }
  get csrfCookie(): string | undefined {
    return this.jar.get('gh_csrf');
  }

  async request(method: Method, url: string, body?: unknown, opts: RequestOptions = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { 'user-agent': 'vitest-agent', ...opts.headers };
    const cookies = { ...Object.fromEntries(this.jar), ...opts.cookies };
    const writes = method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
    const csrf = cookies.gh_csrf;
    if (writes && opts.noCsrf !== true && csrf !== undefined && headers['x-csrf-token'] === undefined) headers['x-csrf-token'] = csrf;
    const res = await this.t.app.inject({
      method,
      url,
      headers,
      cookies,
      remoteAddress: this.ip,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    for (const c of res.cookies) {
      if (c.maxAge === 0 || c.value === '') this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return res;
  }
  get(url: string, opts?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('GET', url, undefined, opts);
  }
  post(url: string, body?: unknown, opts?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('POST', url, body, opts);
  }
  patch(url: string, body?: unknown, opts?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('PATCH', url, body, opts);
  }
  delete(url: string, body?: unknown, opts?: RequestOptions): Promise<LightMyRequestResponse> {
    return this.request('DELETE', url, body, opts);
  }
}

export const STRONG_PASSWORD = 'correct horse battery staple';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${String(counter)}@example.test`;
}

/** Registers a fresh user through the API and returns a signed-in agent. */
export async function registerUser(
  t: TestApp,
  fields: { email?: string; password?: string; name?: string; organizationName?: string } = {},
  ip?: string,
): Promise<{ agent: Agent; email: string; password: string; id: string; orgId: string }> {
  const agent = new Agent(t, ip);
  const email = fields.email ?? uniqueEmail();
  const password = fields.password ?? STRONG_PASSWORD;
  const res = await agent.post('/api/auth/register', { email, password, name: fields.name ?? 'Test User', ...(fields.organizationName === undefined ? {} : { organizationName: fields.organizationName }) });
  if (res.statusCode !== 201) throw new Error(`register failed: ${String(res.statusCode)} ${res.body}`);
  const user = res.json<{ user: { id: string; email: string; organization: { id: string } } }>().user;
  return { agent, email: user.email, password, id: user.id, orgId: user.organization.id };
}

export async function login(t: TestApp, email: string, password: string, ip?: string, userAgent?: string): Promise<Agent> {
  const agent = new Agent(t, ip);
  const res = await agent.post('/api/auth/login', { email, password }, userAgent === undefined ? {} : { headers: { 'user-agent': userAgent } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${String(res.statusCode)} ${res.body}`);
  return agent;
}
