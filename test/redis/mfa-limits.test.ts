import { afterAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../src/clock.js';
import { createRedisCounterStore } from '../../src/rate-limit/redis-store.js';
import { Agent, buildTestApp, registerUser, uniqueEmail, type TestApp } from '../helpers/app.js';
import { wrongTotpCode } from '../helpers/totp.js';
import { expectError } from '../core/support.js';
import { enrollTotp, freshCode, pendingLogin } from '../mfa/support.js';
import { SKIP_NOTE, SKIP_REDIS, TEST_REDIS_URL, deleteKeys, uniquePrefix } from './support.js';

const prefix = uniquePrefix();
const opened: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  if (!SKIP_REDIS) await deleteKeys(prefix);
});

/** Two instances (processes in production) sharing one Redis for their counters, and one clock. */
async function twoInstances(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const clock = createTestClock();
  const apps: TestApp[] = [];
  for (let i = 0; i < 2; i += 1) {
    const counters = createRedisCounterStore(TEST_REDIS_URL, { keyPrefix: prefix });
    opened.push(counters);
    const t = await buildTestApp({ env, clock, counters });
    opened.push(t);
    apps.push(t);
  }
  return [apps[0] as TestApp, apps[1] as TestApp];
}

describe('wrong second-factor codes share the login limit across instances (Redis)', () => {
  it.skipIf(SKIP_REDIS)(`codes guessed on A and B add up to one LOGIN_MAX_FAILURES; then both refuse even the right code and the right password${SKIP_NOTE}`, async () => {
    const [a, b] = await twoInstances({ LOGIN_MAX_FAILURES: '6' });
    // Each instance has its own in-memory database here; the account (with TOTP) exists in both.
    const email = uniqueEmail('mfa-shared');
    const ua = await registerUser(a, { email });
    const ub = await registerUser(b, { email });
    const secrets = { a: (await enrollTotp(a, ua)).secret, b: (await enrollTotp(b, ub)).secret };
    const ip = '203.0.113.77';
    // Password step on A (1) + 2 wrong codes on A, password step on B (1) + 2 wrong codes on B: 6.
    const onA = await pendingLogin(a, email, ua.password, ip);
    for (let i = 0; i < 2; i += 1) expectError(await onA.agent.post('/api/auth/login/mfa', { code: wrongTotpCode(secrets.a, a.clock.now()) }), 401, 'invalid_code');
    const onB = await pendingLogin(b, email, ub.password, ip);
    for (let i = 0; i < 2; i += 1) expectError(await onB.agent.post('/api/auth/login/mfa', { code: wrongTotpCode(secrets.b, b.clock.now()) }), 401, 'invalid_code');
    // The limit is reached on both: the right code and the right password are refused alike.
    expectError(await onA.agent.post('/api/auth/login/mfa', { code: freshCode(a, secrets.a) }), 429, 'rate_limited');
    expectError(await onB.agent.post('/api/auth/login/mfa', { code: freshCode(b, secrets.b) }), 429, 'rate_limited');
    for (const [t, u] of [[a, ua], [b, ub]] as const) {
      const res = await new Agent(t, ip).post('/api/auth/login', { email, password: u.password });
      expectError(res, 429, 'rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // No session was made anywhere by the refused attempts.
    for (const [t, u] of [[a, ua], [b, ub]] as const) {
      const live = await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', u.id).where('revoked_at', 'is', null).execute();
      expect(live).toHaveLength(1); // the registration's own session only
    }
  });
});
