import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { FAST_ARGON2 } from '../../src/account/hasher.js';
import { activeSessionCount, expectError, newUser } from './support.js';

/** Parallel guesses may overrun a limit by at most the hashes that run at once (the test hasher's). */
const OVERRUN = FAST_ARGON2.maxConcurrent;

const MINUTE = 60_000;

function expectRateLimited(res: LightMyRequestResponse, maxSeconds: number): void {
  expectError(res, 429, 'rate_limited');
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(res.cookies).toHaveLength(0);
}

async function failLogins(t: TestApp, email: string, ip: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    expectError(await new Agent(t, ip).post('/api/auth/login', { email, password: `wrong password ${String(i)}` }), 401, 'invalid_credentials');
  }
}

async function withApp(env: Record<string, string>, run: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await buildTestApp({ env });
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

describe('failed logins per account + IP', () => {
  it('10 failures, then 429 with Retry-After even with the right password; other IPs unaffected; reset after 15 min', () =>
    withApp({}, async (t) => {
      const { email, id } = await newUser(t);
      const sessions = await activeSessionCount(t, id);
      await failLogins(t, email, '203.0.113.7', 10);
      const blocked = await new Agent(t, '203.0.113.7').post('/api/auth/login', { email, password: STRONG_PASSWORD });
      expectRateLimited(blocked, 15 * 60);
      // Case and spacing of the address do not open a new bucket.
      expectRateLimited(await new Agent(t, '203.0.113.7').post('/api/auth/login', { email: ` ${email.toUpperCase()} `, password: STRONG_PASSWORD }), 15 * 60);
      expect(await activeSessionCount(t, id)).toBe(sessions);
      // Another client address still signs in.
      expect((await new Agent(t, '198.51.100.9').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
      // Still blocked just before the window ends.
      t.clock.advance(14 * MINUTE);
      expectRateLimited(await new Agent(t, '203.0.113.7').post('/api/auth/login', { email, password: STRONG_PASSWORD }), 60);
      t.clock.advance(1 * MINUTE + 1000);
      expect((await new Agent(t, '203.0.113.7').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    }));

  it('the 10th failure is still answered 401 (the limit is not lower than the contract)', () =>
    withApp({}, async (t) => {
      const { email } = await newUser(t);
      await failLogins(t, email, '203.0.113.8', 9);
      expect((await new Agent(t, '203.0.113.8').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    }));

  it('parallel guesses cannot slip past the limit: 30 concurrent wrong logins get at most 10 (+ hasher concurrency) verdicts', () =>
    withApp({}, async (t) => {
      const { email } = await newUser(t);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => new Agent(t, '203.0.113.12').post('/api/auth/login', { email, password: `parallel guess ${String(i)}` })),
      );
      const judged = results.filter((r) => r.statusCode === 401);
      const limited = results.filter((r) => r.statusCode === 429);
      expect(judged.length).toBeGreaterThanOrEqual(10);
      expect(judged.length).toBeLessThanOrEqual(10 + OVERRUN);
      expect(judged.length + limited.length).toBe(30);
      expectRateLimited(await new Agent(t, '203.0.113.12').post('/api/auth/login', { email, password: STRONG_PASSWORD }), 15 * 60);
    }));

  it('parallel guesses of the current password at change-password are limited too', () =>
    withApp({}, async (t) => {
      const { agent } = await newUser(t);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => agent.post('/api/auth/change-password', { currentPassword: `parallel guess ${String(i)}`, newPassword: 'a brand new passphrase 1' })),
      );
      expect(results.filter((r) => r.statusCode === 401).length).toBeLessThanOrEqual(10 + OVERRUN);
      expect(results.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(10 - OVERRUN);
    }));

  it('a burst of correct logins from one address is never refused (only failures count)', () =>
    withApp({}, async (t) => {
      const { email } = await newUser(t);
      const results = await Promise.all(Array.from({ length: 20 }, () => new Agent(t, '203.0.113.13').post('/api/auth/login', { email, password: STRONG_PASSWORD })));
      expect(results.map((r) => r.statusCode)).toEqual(Array.from({ length: 20 }, () => 200));
    }));

  it('unknown accounts are limited the same way (no enumeration through the limiter)', () =>
    withApp({}, async (t) => {
      const ghost = uniqueEmail('ghost');
      await failLogins(t, ghost, '203.0.113.9', 10);
      expectRateLimited(await new Agent(t, '203.0.113.9').post('/api/auth/login', { email: ghost, password: STRONG_PASSWORD }), 15 * 60);
    }));

  it('LOGIN_MAX_FAILURES is honoured', () =>
    withApp({ LOGIN_MAX_FAILURES: '3' }, async (t) => {
      const { email } = await newUser(t);
      await failLogins(t, email, '203.0.113.10', 3);
      expectRateLimited(await new Agent(t, '203.0.113.10').post('/api/auth/login', { email, password: STRONG_PASSWORD }), 15 * 60);
    }));

  it('X-Forwarded-For is ignored without TRUST_PROXY (rotating it does not escape the limit)', () =>
    withApp({}, async (t) => {
      const { email } = await newUser(t);
      for (let i = 0; i < 10; i += 1) {
        await new Agent(t, '203.0.113.11').post('/api/auth/login', { email, password: 'nope nope nope' }, { headers: { 'x-forwarded-for': `192.0.2.${String(i)}` } });
      }
      expectRateLimited(
        await new Agent(t, '203.0.113.11').post('/api/auth/login', { email, password: STRONG_PASSWORD }, { headers: { 'x-forwarded-for': '192.0.2.200' } }),
        15 * 60,
      );
    }));

  it('a ceiling of 100 failures per account per hour from all addresses', () =>
    withApp({}, async (t) => {
      const { email } = await newUser(t);
      for (let ip = 0; ip < 10; ip += 1) await failLogins(t, email, `198.18.0.${String(ip)}`, 10);
      const res = await new Agent(t, '198.18.1.1').post('/api/auth/login', { email, password: STRONG_PASSWORD });
      expectRateLimited(res, 3600);
      t.clock.advance(61 * MINUTE);
      expect((await new Agent(t, '198.18.1.1').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    }));

  it('wrong current passwords at change-password count too: a stolen session cannot brute-force', () =>
    withApp({}, async (t) => {
      const { agent, email } = await newUser(t);
      for (let i = 0; i < 10; i += 1) {
        expectError(await agent.post('/api/auth/change-password', { currentPassword: `guess ${String(i)} guess`, newPassword: 'a brand new passphrase 1' }), 401, 'invalid_credentials');
      }
      expectRateLimited(await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'a brand new passphrase 1' }), 15 * 60);
      // Nothing changed: the old password still works from elsewhere.
      expect((await new Agent(t, '198.51.100.77').post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    }));
});

describe('registrations per IP', () => {
  it('REGISTER_MAX_PER_IP then 429 with Retry-After and no user created; other IPs fine; reset after an hour', () =>
    withApp({ REGISTER_MAX_PER_IP: '3' }, async (t) => {
      const register = (ip: string, email = uniqueEmail('reg')): Promise<LightMyRequestResponse> =>
        new Agent(t, ip).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'R' });
      for (let i = 0; i < 3; i += 1) expect((await register('203.0.113.50')).statusCode).toBe(201);
      const email = uniqueEmail('reg');
      expectRateLimited(await register('203.0.113.50', email), 3600);
      expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
      expect((await register('203.0.113.51')).statusCode).toBe(201);
      t.clock.advance(61 * MINUTE);
      expect((await register('203.0.113.50', email)).statusCode).toBe(201);
    }));

  it('the default is 20 per hour', () =>
    withApp({}, async (t) => {
      for (let i = 0; i < 20; i += 1) {
        expect((await new Agent(t, '203.0.113.60').post('/api/auth/register', { email: uniqueEmail('d'), password: STRONG_PASSWORD, name: 'D' })).statusCode).toBe(201);
      }
      expectRateLimited(await new Agent(t, '203.0.113.60').post('/api/auth/register', { email: uniqueEmail('d'), password: STRONG_PASSWORD, name: 'D' }), 3600);
    }));
});
