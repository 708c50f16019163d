import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { activeSessionCount, expectError } from './support.js';

/**
 * The per-account ceiling (LOGIN_MAX_FAILURES_PER_ACCOUNT failures an hour from all addresses) must
 * stop guessing spread over many addresses without handing anyone a way to lock a chosen account
 * out: addresses that signed in to the account before still get in with the right password.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const HOME = '198.51.100.10';
const NEW_PLACE = '198.51.100.99';

function expectRateLimited(res: LightMyRequestResponse, maxSeconds: number): void {
  expectError(res, 429, 'rate_limited');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(res.cookies).toHaveLength(0);
}

function login(t: TestApp, ip: string, email: string, password = STRONG_PASSWORD): Promise<LightMyRequestResponse> {
  return new Agent(t, ip).post('/api/auth/login', { email, password });
}

/** The attack: `total` wrong passwords spread over addresses the account never signed in from. */
async function spreadFailures(t: TestApp, email: string, total: number, net = 203): Promise<void> {
  for (let i = 0; i < total; i += 1) {
    const ip = `${String(net)}.0.${String(Math.floor(i / 10))}.${String(i % 10)}`;
    expectError(await login(t, ip, email, `attacker guess ${String(i)}`), 401, 'invalid_credentials');
  }
}

async function withApp(env: Record<string, string>, run: (t: TestApp, owner: { id: string; email: string }) => Promise<void>): Promise<void> {
  const t = await buildTestApp({ env });
  try {
    const email = uniqueEmail('owner');
    // Registered from an address of its own, so HOME is known only through the sign-in below.
    const res = await new Agent(t, '192.0.2.200').post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Owner' });
    expect(res.statusCode).toBe(201);
    await run(t, { id: res.json<{ user: { id: string } }>().user.id, email });
  } finally {
    await t.close();
  }
}

async function loginFailedEvents(t: TestApp, userId: string): Promise<number> {
  const rows = await t.db.kysely.selectFrom('security_events').select('id').where('user_id', '=', userId).where('type', '=', 'login_failed').execute();
  return rows.length;
}

describe('the per-account ceiling cannot lock the owner out', () => {
  it('after 100 failures from many addresses, a new address is refused even with the right password, but the owner signs in from an address used before', () =>
    withApp({}, async (t, owner) => {
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      await spreadFailures(t, owner.email, 100);
      const sessionsBefore = await activeSessionCount(t, owner.id);
      const failedBefore = await loginFailedEvents(t, owner.id);

      // Distributed guessing is still capped: new and attacking addresses get 429, right password or not.
      expectRateLimited(await login(t, NEW_PLACE, owner.email), 3600);
      expectRateLimited(await login(t, '203.0.0.0', owner.email), 3600);
      expectRateLimited(await login(t, '203.0.9.9', owner.email, 'one more guess here'), 3600);
      expect(await activeSessionCount(t, owner.id)).toBe(sessionsBefore);
      expect(await loginFailedEvents(t, owner.id)).toBe(failedBefore);

      // The owner, from home, with the right password.
      const home = await login(t, HOME, owner.email);
      expect(home.statusCode).toBe(200);
      expect(home.cookies.some((c) => c.name === 'gh_session' && c.value !== '')).toBe(true);
      expect(await activeSessionCount(t, owner.id)).toBe(sessionsBefore + 1);
      // Their success opens nothing for anyone else.
      expectRateLimited(await login(t, NEW_PLACE, owner.email), 3600);
      // The hour ends and everyone may try again.
      t.clock.advance(61 * MINUTE);
      expect((await login(t, NEW_PLACE, owner.email)).statusCode).toBe(200);
    }));

  it('a remembered address is still held to the per account + IP limit, and its failures still count', () =>
    withApp({}, async (t, owner) => {
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      await spreadFailures(t, owner.email, 100);
      // A wrong password from home is verified (401, recorded), not waved through or refused unseen.
      const failedBefore = await loginFailedEvents(t, owner.id);
      for (let i = 0; i < 10; i += 1) expectError(await login(t, HOME, owner.email, `home typo ${String(i)}`), 401, 'invalid_credentials');
      expect(await loginFailedEvents(t, owner.id)).toBe(failedBefore + 10);
      // LOGIN_MAX_FAILURES (10) from this address: 429 even for the right password, as always.
      expectRateLimited(await login(t, HOME, owner.email), 15 * 60);
      t.clock.advance(16 * MINUTE);
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
    }));

  it('registration remembers its address too', () =>
    withApp({}, async (t, owner) => {
      await spreadFailures(t, owner.email, 100);
      expectRateLimited(await login(t, HOME, owner.email), 3600);
      expect((await login(t, '192.0.2.200', owner.email)).statusCode).toBe(200);
    }));

  it('an address is remembered for 30 days after its latest sign-in', () =>
    withApp({}, async (t, owner) => {
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      t.clock.advance(29 * DAY);
      // Signing in again restarts the 30 days.
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      t.clock.advance(29 * DAY);
      await spreadFailures(t, owner.email, 100, 203);
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      // 31 days without a sign-in from there: a stranger address again.
      t.clock.advance(31 * DAY);
      await spreadFailures(t, owner.email, 100, 198);
      expectRateLimited(await login(t, HOME, owner.email), 3600);
    }));

  it('LOGIN_MAX_FAILURES_PER_ACCOUNT is honoured', () =>
    withApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' }, async (t, owner) => {
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      await spreadFailures(t, owner.email, 5);
      expectRateLimited(await login(t, NEW_PLACE, owner.email), 3600);
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
    }));

  it('an address remembered for one account opens nothing for another, and unknown accounts answer alike (no enumeration)', () =>
    withApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' }, async (t, owner) => {
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
      const other = uniqueEmail('other');
      expect((await new Agent(t, '192.0.2.201').post('/api/auth/register', { email: other, password: STRONG_PASSWORD, name: 'Other' })).statusCode).toBe(201);
      const nobody = uniqueEmail('nobody');
      await spreadFailures(t, other, 5);
      await spreadFailures(t, nobody, 5, 198);
      const refusedOther = await login(t, HOME, other);
      const refusedNobody = await login(t, HOME, nobody);
      expectRateLimited(refusedOther, 3600);
      expectRateLimited(refusedNobody, 3600);
      expect(refusedNobody.body).toBe(refusedOther.body);
      expect((await login(t, HOME, owner.email)).statusCode).toBe(200);
    }));
});
