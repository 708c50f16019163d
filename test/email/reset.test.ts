import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, buildTestApp, login, registerUser, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { emailVerifiedOf, expectError } from '../helpers/mail.js';

const NEW_PASSWORD = 'a completely different passphrase 7';
const OTHER_PASSWORD = 'yet another long passphrase 99';

async function canLogin(t: TestApp, email: string, password: string): Promise<boolean> {
  const res = await new Agent(t).post('/api/auth/login', { email, password });
  return res.statusCode === 200;
}

describe('password reset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function requestReset(email: string, ip = '10.1.0.1'): Promise<string> {
    expect((await new Agent(t, ip).post('/api/auth/forgot-password', { email })).statusCode).toBe(202);
    return tokenFromEmail(t, email, '/reset-password');
  }

  it('resets the password, revokes every session, and does not sign anyone in', async () => {
    const { agent, email, id } = await registerUser(t);
    const second = await login(t, email, STRONG_PASSWORD, '10.1.0.2');
    const token = await requestReset(email);
    const resetter = new Agent(t, '10.1.0.3');
    const res = await resetter.post('/api/auth/reset-password', { token, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
    // No automatic login: no session cookie with a value is set.
    const sessionCookies = res.cookies.filter((c) => c.name.endsWith('gh_session') && c.value !== '');
    expect(sessionCookies).toEqual([]);
    expect(res.body).not.toContain(token);
    expectError(await resetter.get('/api/auth/me'), 401, 'unauthenticated');
    // Every earlier session is dead.
    expectError(await agent.get('/api/auth/me'), 401, 'unauthenticated');
    expectError(await second.get('/api/auth/me'), 401, 'unauthenticated');
    const live = await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', id).where('revoked_at', 'is', null).execute();
    expect(live).toEqual([]);
    expect(await canLogin(t, email, STRONG_PASSWORD)).toBe(false);
    expect(await canLogin(t, email, NEW_PASSWORD)).toBe(true);
    // Following the emailed link proved the address.
    const me = await (await login(t, email, NEW_PASSWORD)).get('/api/auth/me');
    expect(emailVerifiedOf(me)).toBe(true);
    const events = await t.db.kysely.selectFrom('security_events').select('type').where('user_id', '=', id).execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['password_reset_requested', 'password_reset']));
    // The account owner is told, with no link and no secret in it.
    const notice = (await t.outbox()).filter((m) => m.to === email && m.subject === 'Your Gatehouse password was changed');
    expect(notice).toHaveLength(1);
    expect(notice[0]?.text).not.toContain('token=');
    expect(notice[0]?.text).not.toContain(NEW_PASSWORD);
  });

  it('refuses a second use of the same link', async () => {
    const { email } = await registerUser(t);
    const token = await requestReset(email);
    expect((await new Agent(t).post('/api/auth/reset-password', { token, password: NEW_PASSWORD })).statusCode).toBe(200);
    expectError(await new Agent(t).post('/api/auth/reset-password', { token, password: OTHER_PASSWORD }), 400, 'invalid_token');
    expect(await canLogin(t, email, NEW_PASSWORD)).toBe(true);
    expect(await canLogin(t, email, OTHER_PASSWORD)).toBe(false);
  });

  it('refuses a link after a later password change', async () => {
    const { agent, email } = await registerUser(t);
    const token = await requestReset(email);
    t.clock.advance(1000);
    const change = await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD });
    expect(change.statusCode).toBe(200);
    expectError(await new Agent(t).post('/api/auth/reset-password', { token, password: OTHER_PASSWORD }), 400, 'invalid_token');
    expect(await canLogin(t, email, NEW_PASSWORD)).toBe(true);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('refuses a link after a later password change even when the token row was left unconsumed', async () => {
    const { email, id } = await registerUser(t);
    const token = await requestReset(email);
    t.clock.advance(1000);
    // Simulates a password set by any other path (admin tooling, a future flow) that forgets the tokens.
    await t.db.kysely.updateTable('users').set({ password_changed_at: t.clock.now() }).where('id', '=', id).execute();
    expectError(await new Agent(t).post('/api/auth/reset-password', { token, password: OTHER_PASSWORD }), 400, 'invalid_token');
    expect(await canLogin(t, email, STRONG_PASSWORD)).toBe(true);
  });

  it('lets a second request supersede the first link', async () => {
    const { email } = await registerUser(t);
    const first = await requestReset(email);
    t.clock.advance(1000);
    const second = await requestReset(email);
    expect(second).not.toBe(first);
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: first, password: OTHER_PASSWORD }), 400, 'invalid_token');
    expect(await canLogin(t, email, STRONG_PASSWORD)).toBe(true);
    expect((await new Agent(t).post('/api/auth/reset-password', { token: second, password: NEW_PASSWORD })).statusCode).toBe(200);
    expect(await canLogin(t, email, NEW_PASSWORD)).toBe(true);
  });

  it('leaves at most one live link when two requests race', async () => {
    const { email, id } = await registerUser(t);
    await Promise.all([new Agent(t, '10.1.1.1').post('/api/auth/forgot-password', { email }), new Agent(t, '10.1.1.2').post('/api/auth/forgot-password', { email })]);
    await t.mailer.flush();
    const live = await t.db.kysely
      .selectFrom('email_tokens')
      .select('id')
      .where('user_id', '=', id)
      .where('purpose', '=', 'reset_password')
      .where('consumed_at', 'is', null)
      .execute();
    expect(live).toHaveLength(1);
  });

  it('refuses a weak new password and keeps the link usable', async () => {
    const { email } = await registerUser(t);
    const token = await requestReset(email);
    const weak = await new Agent(t).post('/api/auth/reset-password', { token, password: 'password' });
    expectError(weak, 400, 'invalid_request');
    expect(await canLogin(t, email, STRONG_PASSWORD)).toBe(true);
    expect((await new Agent(t).post('/api/auth/reset-password', { token, password: NEW_PASSWORD })).statusCode).toBe(200);
  });

  it('refuses a link whose account was deleted', async () => {
    const { email, id } = await registerUser(t);
    const token = await requestReset(email);
    await t.db.kysely.deleteFrom('users').where('id', '=', id).execute();
    expectError(await new Agent(t).post('/api/auth/reset-password', { token, password: NEW_PASSWORD }), 400, 'invalid_token');
  });
});

describe('forgot-password', () => {
  it('answers known, unknown and disabled addresses identically', async () => {
    const t = await buildTestApp();
    try {
      const { email: known } = await registerUser(t);
      const { email: disabled, id } = await registerUser(t);
      await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', id).execute();
      const unknown = uniqueEmail('nobody');
      const answers = [];
      for (const email of [known, unknown, disabled, `  ${known.toUpperCase()} `]) {
        const res = await new Agent(t, '10.2.0.1').post('/api/auth/forgot-password', { email });
        answers.push({ status: res.statusCode, body: res.body, cookies: res.cookies.length, type: res.headers['content-type'] });
      }
      expect(answers[0]?.status).toBe(202);
      for (const a of answers) expect(a).toEqual(answers[0]);
      await t.mailer.flush();
      const resets = (await t.outbox()).filter((m) => m.subject === 'Reset your Gatehouse password').map((m) => m.to);
      // Only the enabled, existing account got emails (the normalized address twice).
      expect(resets).toEqual([known, known]);
    } finally {
      await t.close();
    }
  });

  it('rate limits per address with 429 + Retry-After, at the same count for known and unknown addresses', async () => {
    const t = await buildTestApp({ env: { EMAIL_MAX_PER_ADDRESS: '3' } });
    try {
      // The known address already spent one email (verification) of its own budget.
      const { email: known } = await registerUser(t);
      const unknown = uniqueEmail('ghost');
      const statuses = async (email: string, ipBase: string): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < 4; i += 1) {
          const res = await new Agent(t, `${ipBase}.${String(i)}`).post('/api/auth/forgot-password', { email });
          out.push(res.statusCode);
          if (res.statusCode === 429) {
            expectError(res, 429, 'rate_limited');
            const retry = Number(res.headers['retry-after']);
            expect(retry).toBeGreaterThan(3000);
            expect(retry).toBeLessThanOrEqual(3600);
          }
        }
        return out;
      };
      const forKnown = await statuses(known, '10.3.0');
      const forUnknown = await statuses(unknown, '10.3.1');
      expect(forKnown).toEqual([202, 202, 202, 429]);
      expect(forUnknown).toEqual(forKnown);
      // Only the budget's worth of emails went out (1 verification + 2 resets = 3).
      expect((await t.outbox()).filter((m) => m.to === known)).toHaveLength(3);
      // An hour later the address may ask again.
      t.clock.advance(3_600_000 + 1000);
      expect((await new Agent(t, '10.3.2.1').post('/api/auth/forgot-password', { email: known })).statusCode).toBe(202);
      expect((await new Agent(t, '10.3.2.2').post('/api/auth/forgot-password', { email: unknown })).statusCode).toBe(202);
    } finally {
      await t.close();
    }
  });

  it('rate limits per client IP across addresses', async () => {
    const t = await buildTestApp();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i += 1) {
        statuses.push((await new Agent(t, '10.4.0.1').post('/api/auth/forgot-password', { email: uniqueEmail('spray') })).statusCode);
      }
      expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
      expect(statuses[20]).toBe(429);
      expect((await new Agent(t, '10.4.0.2').post('/api/auth/forgot-password', { email: uniqueEmail('spray') })).statusCode).toBe(202);
    } finally {
      await t.close();
    }
  });

  it('builds links from PUBLIC_URL, never from Host or X-Forwarded-Host', async () => {
    for (const trustProxy of [undefined, 'true']) {
      const t = await buildTestApp({ env: { PUBLIC_URL: 'https://auth.example.test', ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) } });
      try {
        const { email } = await registerUser(t);
        const res = await new Agent(t).post(
          '/api/auth/forgot-password',
          { email },
          { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example' } },
        );
        expect(res.statusCode).toBe(202);
        const mails = (await t.outbox()).filter((m) => m.to === email);
        expect(mails).toHaveLength(2);
        for (const m of mails) {
          expect(m.text).not.toContain('evil.example');
          expect(m.html).not.toContain('evil.example');
        }
        const reset = mails.find((m) => m.subject === 'Reset your Gatehouse password');
        expect(reset?.text).toMatch(/https:\/\/auth\.example\.test\/reset-password\?token=[A-Za-z0-9._-]+/);
        expect(reset?.html).toMatch(/href="https:\/\/auth\.example\.test\/reset-password\?token=[A-Za-z0-9._-]+"/);
      } finally {
        await t.close();
      }
    }
  });

  it('refuses a malformed address with 400 and sends nothing', async () => {
    const t = await buildTestApp();
    try {
      expectError(await new Agent(t).post('/api/auth/forgot-password', { email: 'not an email' }), 400, 'invalid_request');
      expectError(await new Agent(t).post('/api/auth/forgot-password', { email: 'a@b.test', extra: 1 }), 400, 'invalid_request');
      expect(await t.outbox()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
