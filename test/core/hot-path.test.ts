import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type Agent, type TestApp } from '../helpers/app.js';

/**
 * The per-request session check (issue 8): one SQL statement per authenticated request, at most one
 * `lastActiveAt` write per session per minute, and one access-log line per request. Counted where
 * statements reach the database (every better-sqlite3 execution, every node-postgres query), so a
 * query issued around Kysely is counted too.
 */
interface Counter {
  count: number;
  readonly sql: string[];
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

function instrument(counter: Counter): () => void {
  const probe = new SQLite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>;
  probe.close();
  const clientProto = pg.Client.prototype as unknown as Record<string, Method>;
  const restore: (() => void)[] = [];
  function wrap(proto: Record<string, Method>, method: string, textOf: (self: unknown, args: unknown[]) => string): void {
    const original = proto[method];
    if (original === undefined) throw new Error(`no ${method} to count`);
    proto[method] = function counted(this: unknown, ...args: unknown[]): unknown {
      counter.count += 1;
      counter.sql.push(textOf(this, args));
      return original.apply(this, args);
    };
    restore.push(() => {
      proto[method] = original;
    });
  }
  for (const method of ['run', 'get', 'all', 'iterate']) wrap(statementProto, method, (self) => (self as { source: string }).source);
  wrap(clientProto, 'query', (_self, args) => {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
    return typeof text === 'string' ? text : '';
  });
  return () => {
    for (const undo of restore) undo();
  };
}

describe('hot path: GET /api/auth/me', () => {
  let t: TestApp;
  let agent: Agent;
  const counter: Counter = { count: 0, sql: [] };
  let uninstrument: () => void = () => undefined;

  beforeAll(async () => {
    t = await buildTestApp();
    ({ agent } = await registerUser(t));
    // The first request after login may write lastActiveAt; start from a settled session.
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    uninstrument = instrument(counter);
  });
  afterAll(async () => {
    uninstrument();
    await t.close();
  });

  function resetCounter(): void {
    counter.count = 0;
    counter.sql.length = 0;
  }

  it('costs exactly one SQL statement per request, a SELECT', async () => {
    resetCounter();
    for (let i = 0; i < 20; i++) expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect(counter.count).toBe(20);
    expect(counter.sql.every((text) => /^\s*select\b/i.test(text))).toBe(true);
  });

  it('writes lastActiveAt once a minute per session, not on every request', async () => {
    t.clock.advance(61_000);
    resetCounter();
    for (let i = 0; i < 10; i++) expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    const writes = counter.sql.filter((text) => /^\s*update\b/i.test(text));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/last_active_at/);
    expect(counter.count).toBe(11);
  });

  it('sees a revocation made by another statement on the very next request (no cache)', async () => {
    const me = await agent.get('/api/auth/me');
    const sessionId = (me.json<{ session: { id: string } }>()).session.id;
    await t.db.kysely.updateTable('sessions').set({ revoked_at: t.clock.now() }).where('id', '=', sessionId).execute();
    const res = await agent.get('/api/auth/me');
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
  });
});

describe('access log', () => {
  it('writes one line per request, of fixed fields, with the query string cut off', async () => {
    const t = await buildTestApp({ env: { LOG_LEVEL: 'info' } });
    try {
      const { agent } = await registerUser(t);
      t.logs.length = 0;
      const res = await agent.get('/api/auth/me?token=do-not-log-me');
      expect(res.statusCode).toBe(200);
      const lines = t.logs.flatMap((chunk) => chunk.split('\n')).filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      const access = lines.filter((l) => l.msg === 'request completed');
      expect(access).toHaveLength(1);
      expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
      expect(access[0]).toMatchObject({ method: 'GET', url: '/api/auth/me?…', statusCode: 200, ip: '127.0.0.1' });
      expect(typeof access[0]?.responseTime).toBe('number');
      // Milliseconds to the microsecond, written from integers (src/logger.ts millisText).
      const written = /"responseTime":([0-9.]+),"msg":"request completed"/.exec(t.logs.join(''))?.[1] ?? '';
      const [whole, fraction = '000'] = written.split('.');
      expect(whole).toMatch(/^\d+$/);
      expect(fraction).toMatch(/^\d{3}$/);
      expect(typeof access[0]?.reqId).toBe('string');
      // Written by hand (src/logger.ts AccessLog), it is still exactly the line pino writes: same keys, same order.
      expect(Object.keys(access[0] ?? {})).toEqual(['level', 'time', 'pid', 'hostname', 'reqId', 'method', 'url', 'ip', 'statusCode', 'responseTime', 'msg']);
      expect(access[0]).toMatchObject({ level: 30 });
      expect(t.logs.join('')).not.toContain('do-not-log-me');
    } finally {
      await t.close();
    }
  });

  it('writes no access line below LOG_LEVEL=info, and one valid JSON line per request otherwise', async () => {
    const quiet = await buildTestApp({ env: { LOG_LEVEL: 'warn' } });
    try {
      quiet.logs.length = 0;
      expect((await quiet.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect(quiet.logs.join('')).not.toContain('request completed');
    } finally {
      await quiet.close();
    }
    const t = await buildTestApp({ env: { LOG_LEVEL: 'info' } });
    try {
      t.logs.length = 0;
      expect((await t.app.inject({ method: 'GET', url: '/api/"quoted"\\path' })).statusCode).toBe(404);
      const lines = t.logs.flatMap((chunk) => chunk.split('\n')).filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      // (the injector percent-encodes the quotes; the line must still be one valid JSON object)
      expect(lines.filter((l) => l.msg === 'request completed')).toEqual([expect.objectContaining({ url: '/api/%22quoted%22/path', statusCode: 404 })]);
    } finally {
      await t.close();
    }
  });
});
