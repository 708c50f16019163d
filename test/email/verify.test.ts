import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, buildTestApp, registerUser, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { errorCodeOf, expectError } from '../helpers/mail.js';

async function verified(agent: Agent): Promise<boolean> {
  const me = await agent.get('/api/auth/me');
  expect(me.statusCode).toBe(200);
  return me.json<{ user: { emailVerified: boolean } }>().user.emailVerified;
}

describe('email verification', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('verifies with the emailed link, once, without a session, and records the event', async () => {
    const { agent, email, id } = await registerUser(t);
    expect(await verified(agent)).toBe(false);
    const token = await tokenFromEmail(t, email, '/verify-email');
    const res = await new Agent(t, '10.5.0.1').post('/api/auth/verify-email', { token });
    expect(res.statusCode).toBe(200);
    expect(res.cookies).toEqual([]);
    expect(await verified(agent)).toBe(true);
    expectError(await new Agent(t).post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    const events = await t.db.kysely.selectFrom('security_events').select('type').where('user_id', '=', id).execute();
    expect(events.map((e) => e.type)).toContain('email_verified');
  });

  it('uses a link only once under concurrent requests', async () => {
    const { email } = await registerUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    const results = await Promise.all([1, 2, 3].map(async (i) => (await new Agent(t, `10.5.1.${String(i)}`).post('/api/auth/verify-email', { token })).statusCode));
    expect(results.sort()).toEqual([200, 400, 400]);
  });

  it('refuses a link after the account email changed', async () => {
    const { agent, email, id } = await registerUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    t.clock.advance(1000);
    const other = uniqueEmail('changed');
    await t.db.kysely.updateTable('users').set({ email: other, email_changed_at: t.clock.now() }).where('id', '=', id).execute();
    expectError(await new Agent(t).post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    expect(await verified(agent)).toBe(false);
  });

  it('refuses a link after the email changed, even with only the address column touched', async () => {
    const { agent, email, id } = await registerUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    await t.db.kysely.updateTable('users').set({ email: uniqueEmail('moved') }).where('id', '=', id).execute();
    expectError(await new Agent(t).post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    expect(await verified(agent)).toBe(false);
  });

  it('refuses a link after the email changed away and back again', async () => {
    const { agent, email, id } = await registerUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    t.clock.advance(1000);
    await t.db.kysely.updateTable('users').set({ email: uniqueEmail('away'), email_changed_at: t.clock.now() }).where('id', '=', id).execute();
    t.clock.advance(1000);
    await t.db.kysely.updateTable('users').set({ email, email_changed_at: t.clock.now() }).where('id', '=', id).execute();
    expectError(await new Agent(t).post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    expect(await verified(agent)).toBe(false);
  });
});

describe('resend-verification', () => {
  it('sends a fresh working link, and is rate limited per address with 429 + Retry-After', async () => {
    const t = await buildTestApp({ env: { EMAIL_MAX_PER_ADDRESS: '3' } });
    try {
      const { agent, email } = await registerUser(t);
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 3; i += 1) {
        const res = await agent.post('/api/auth/resend-verification');
        statuses.push(res.statusCode);
        if (res.statusCode === 429) limited = res;
      }
      // Registration spent one of the three emails.
      expect(statuses).toEqual([202, 202, 429]);
      expect(limited === undefined ? undefined : errorCodeOf(limited)).toBe('rate_limited');
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
      const sent = (await t.outbox()).filter((m) => m.to === email && m.subject === 'Confirm your email address for Gatehouse');
      expect(sent).toHaveLength(3);
      // Every link sent is valid (a resend does not kill the earlier ones), the newest included.
      const token = await tokenFromEmail(t, email, '/verify-email');
      expect((await new Agent(t).post('/api/auth/verify-email', { token })).statusCode).toBe(200);
      expect(await verified(agent)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('needs a session and the CSRF header', async () => {
    const t = await buildTestApp();
    try {
      expectError(await new Agent(t).post('/api/auth/resend-verification'), 401, 'unauthenticated');
      const { agent, email } = await registerUser(t);
      expectError(await agent.post('/api/auth/resend-verification', undefined, { noCsrf: true }), 403, 'csrf_failed');
      expect((await t.outbox()).filter((m) => m.to === email)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('sends nothing to an already verified address', async () => {
    const t = await buildTestApp();
    try {
      const { agent, email } = await registerUser(t);
      expect((await new Agent(t).post('/api/auth/verify-email', { token: await tokenFromEmail(t, email, '/verify-email') })).statusCode).toBe(200);
      expect((await agent.post('/api/auth/resend-verification')).statusCode).toBe(202);
      expect((await t.outbox()).filter((m) => m.to === email)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
