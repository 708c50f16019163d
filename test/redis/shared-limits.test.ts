import { afterAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestClock } from '../../src/clock.js';
import { createRedisCounterStore } from '../../src/rate-limit/redis-store.js';
import type { CounterStore } from '../../src/rate-limit/counters.js';
import { Agent, STRONG_PASSWORD, buildTestApp, registerUser, uniqueEmail, type TestApp } from '../helpers/app.js';
import { REDIS_PROBLEM, SKIP_NOTE, SKIP_REDIS, TEST_REDIS_URL, closedPort, deleteKeys, eventually, startRedisRelay, uniquePrefix } from './support.js';

const prefix = uniquePrefix();
const opened: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  if (!SKIP_REDIS && REDIS_PROBLEM === null) await deleteKeys(prefix);
});

function redisCounters(url = TEST_REDIS_URL): CounterStore {
  const store = createRedisCounterStore(url, { keyPrefix: prefix });
  opened.push(store);
  return store;
}

/** Two instances of the service (separate processes in production) sharing one Redis and one clock. */
async function twoInstances(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const clock = createTestClock();
  const a = await buildTestApp({ env, clock, counters: redisCounters() });
  opened.push(a);
  const b = await buildTestApp({ env, clock, counters: redisCounters() });
  opened.push(b);
  return [a, b];
}

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode).toBe(status);
  expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
}

async function sessionCount(t: TestApp, userId: string): Promise<number> {
  const rows = await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  return rows.length;
}

describe('rate limits shared through Redis by two instances', () => {
  it.skipIf(SKIP_REDIS)(`failed logins split over A and B hit one limit; both refuse the right password; another IP is unaffected; the window ends${SKIP_NOTE}`, async () => {
    const [a, b] = await twoInstances({ LOGIN_MAX_FAILURES: '4' });
    // Each test instance has its own in-memory database; the same account exists in both.
    const email = uniqueEmail('shared');
    const ua = await registerUser(a, { email });
    const ub = await registerUser(b, { email });
    const before = [await sessionCount(a, ua.id), await sessionCount(b, ub.id)];
    const ip = '203.0.113.40';
    for (const [i, t] of [a, b, a, b].entries()) {
      expectError(await new Agent(t, ip).post('/api/auth/login', { email, password: `wrong password ${String(i)}` }), 401, 'invalid_credentials');
    }
    for (const t of [a, b]) {
      const res = await new Agent(t, ip).post('/api/auth/login', { email, password: STRONG_PASSWORD });
      expectError(res, 429, 'rate_limited');
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(res.cookies).toHaveLength(0);
    }
    expect([await sessionCount(a, ua.id), await sessionCount(b, ub.id)]).toEqual(before);
    // The limit is per account and client IP: another address still signs in on either instance.
    expect((await new Agent(b, '198.51.100.40').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    a.clock.advance(15 * 60_000 + 1000);
    expect((await new Agent(a, ip).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
  });

  it.skipIf(SKIP_REDIS)(`a success on one instance clears the account+IP failures for the other${SKIP_NOTE}`, async () => {
    const [a, b] = await twoInstances({ LOGIN_MAX_FAILURES: '4' });
    const email = uniqueEmail('clear');
    await registerUser(a, { email });
    await registerUser(b, { email });
    const ip = '203.0.113.41';
    for (let i = 0; i < 3; i += 1) expectError(await new Agent(a, ip).post('/api/auth/login', { email, password: 'not the password' }), 401, 'invalid_credentials');
    expect((await new Agent(b, ip).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    for (let i = 0; i < 4; i += 1) expectError(await new Agent(a, ip).post('/api/auth/login', { email, password: 'not the password' }), 401, 'invalid_credentials');
    expectError(await new Agent(b, ip).post('/api/auth/login', { email, password: STRONG_PASSWORD }), 429, 'rate_limited');
  });

  it.skipIf(SKIP_REDIS)(`an address that signed in on A passes the per-account ceiling reached through B${SKIP_NOTE}`, async () => {
    const [a, b] = await twoInstances({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '4' });
    const email = uniqueEmail('known');
    await registerUser(a, { email }, '192.0.2.50');
    await registerUser(b, { email }, '192.0.2.50');
    const home = '198.51.100.41';
    expect((await new Agent(a, home).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    for (let i = 0; i < 4; i += 1) expectError(await new Agent(b, `203.0.113.${String(60 + i)}`).post('/api/auth/login', { email, password: 'not the password' }), 401, 'invalid_credentials');
    for (const t of [a, b]) {
      expectError(await new Agent(t, '198.51.100.42').post('/api/auth/login', { email, password: STRONG_PASSWORD }), 429, 'rate_limited');
      expect((await new Agent(t, home).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    }
  });

  it.skipIf(SKIP_REDIS)(`registrations per IP are counted across instances${SKIP_NOTE}`, async () => {
    const [a, b] = await twoInstances({ REGISTER_MAX_PER_IP: '2' });
    const ip = '203.0.113.42';
    await registerUser(a, {}, ip);
    await registerUser(b, {}, ip);
    const email = uniqueEmail('third');
    const res = await new Agent(a, ip).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Third' });
    expectError(res, 429, 'rate_limited');
    expect(await a.db.kysely.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
  });

  it.skipIf(SKIP_REDIS)(`Redis going away mid-run: 503 unavailable (never a silent pass) and /readyz 503; back without a restart when Redis returns${SKIP_NOTE}`, async () => {
    const relay = await startRedisRelay();
    opened.push(relay);
    const t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: '4' }, counters: redisCounters(relay.url) });
    opened.push(t);
    const { email, id } = await registerUser(t);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await relay.cut();
    const sessions = await sessionCount(t, id);
    const login = await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD });
    expectError(login, 503, 'unavailable');
    expect(login.cookies).toHaveLength(0);
    expect(await sessionCount(t, id)).toBe(sessions);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ database: true, counters: false });

    await relay.restore();
    expect(await eventually(async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 8000)).toBe(true);
    expect((await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
  });
});

// Needs no Redis: the configured Redis is a port where nothing listens.
describe('Redis configured but down', () => {
  it('login, register and forgot-password answer 503 unavailable and change nothing; /readyz 503 with counters:false; /healthz 200', async () => {
    const t = await buildTestApp({ counters: createRedisCounterStore(`redis://127.0.0.1:${String(await closedPort())}`) });
    opened.push(t);
    // The account is created straight in the database: registration itself is limited.
    const email = uniqueEmail('down');
    const login = await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD });
    expectError(login, 503, 'unavailable');
    expect(login.cookies).toHaveLength(0);
    expect(login.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|ioredis|stream/i);

    const register = await new Agent(t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Down' });
    expectError(register, 503, 'unavailable');
    expect(register.cookies).toHaveLength(0);
    expect(await t.db.kysely.selectFrom('users').select('id').execute()).toHaveLength(0);

    expectError(await new Agent(t).post('/api/auth/forgot-password', { email }), 503, 'unavailable');
    expect(await t.outbox()).toHaveLength(0);

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ error: { code: 'unavailable' }, database: true, counters: false });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
