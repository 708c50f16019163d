import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, TEST_ORIGIN, buildTestApp, login, uniqueEmail, type TestApp } from '../helpers/app.js';
import { activeSessionCount, expectError, newUser, randomValue, sessionRow, whoAmI } from './support.js';

describe('cookie-pair CSRF (signed double submit)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A user signed in on two devices; the attacks target `a`, `b` proves nothing was revoked. */
  async function twoDevices(): Promise<{ a: Agent; b: Agent; id: string; email: string; bSession: string }> {
    const { agent: a, id, email } = await newUser(t);
    const b = await login(t, email, STRONG_PASSWORD);
    const { sessionId } = await whoAmI(b);
    return { a, b, id, email, bSession: sessionId };
  }

  async function expectNothingChanged(x: { a: Agent; b: Agent; id: string; email: string; bSession: string }): Promise<void> {
    expect((await x.a.get('/api/auth/me')).statusCode).toBe(200);
    expect((await x.b.get('/api/auth/me')).statusCode).toBe(200);
    expect((await sessionRow(t, x.bSession))?.revoked_at).toBeNull();
    expect(await activeSessionCount(t, x.id)).toBe(2);
    // The password is unchanged.
    await login(t, x.email, STRONG_PASSWORD);
  }

  const writes: { name: string; run: (a: Agent, bSession: string, headers: Record<string, string>) => Promise<import('fastify').LightMyRequestResponse> }[] = [
    { name: 'revoke-others', run: (a, _b, headers) => a.post('/api/sessions/revoke-others', undefined, { noCsrf: true, headers }) },
    { name: 'revoke one', run: (a, b, headers) => a.delete(`/api/sessions/${b}`, undefined, { noCsrf: true, headers }) },
    { name: 'logout', run: (a, _b, headers) => a.post('/api/auth/logout', undefined, { noCsrf: true, headers }) },
    {
      name: 'change-password',
      run: (a, _b, headers) => a.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'an entirely new passphrase 9' }, { noCsrf: true, headers }),
    },
  ];

  for (const w of writes) {
    it(`${w.name}: missing X-CSRF-Token → 403 csrf_failed, nothing changed`, async () => {
      const x = await twoDevices();
      expectError(await w.run(x.a, x.bSession, {}), 403, 'csrf_failed');
      await expectNothingChanged(x);
    });

    it(`${w.name}: wrong X-CSRF-Token → 403, nothing changed`, async () => {
      const x = await twoDevices();
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': randomValue() }), 403, 'csrf_failed');
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': '' }), 403, 'csrf_failed');
      await expectNothingChanged(x);
    });

    it(`${w.name}: tossed cookie (attacker's own gh_csrf cookie + matching header) → 403, nothing changed`, async () => {
      const x = await twoDevices();
      const tossed = randomValue();
      x.a.jar.set('gh_csrf', tossed);
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': tossed }), 403, 'csrf_failed');
      await expectNothingChanged(x);
    });

    it(`${w.name}: another user's CSRF pair → 403, nothing changed`, async () => {
      const x = await twoDevices();
      const other = await newUser(t);
      const theirs = other.agent.csrfCookie ?? '';
      x.a.jar.set('gh_csrf', theirs);
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': theirs }), 403, 'csrf_failed');
      await expectNothingChanged(x);
    });

    it(`${w.name}: the CSRF value of the same user's other device → 403, nothing changed`, async () => {
      const x = await twoDevices();
      const bCsrf = x.b.csrfCookie ?? '';
      x.a.jar.set('gh_csrf', bCsrf);
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': bCsrf }), 403, 'csrf_failed');
      await expectNothingChanged(x);
    });

    it(`${w.name}: right header but the CSRF cookie missing → 403, nothing changed`, async () => {
      const x = await twoDevices();
      const csrf = x.a.csrfCookie ?? '';
      x.a.jar.delete('gh_csrf');
      expectError(await w.run(x.a, x.bSession, { 'x-csrf-token': csrf }), 403, 'csrf_failed');
      x.a.jar.set('gh_csrf', csrf);
      await expectNothingChanged(x);
    });
  }

  it('the header must match exactly (no case folding, no trimming)', async () => {
    const x = await twoDevices();
    const csrf = x.a.csrfCookie ?? '';
    for (const variant of [csrf.toUpperCase(), ` ${csrf}`, `${csrf}x`, csrf.slice(0, -1)]) {
      if (variant === csrf) continue;
      expectError(await x.a.post('/api/sessions/revoke-others', undefined, { headers: { 'x-csrf-token': variant } }), 403, 'csrf_failed');
    }
    await expectNothingChanged(x);
  });

  it('control: the right pair is accepted (so the refusals above were about CSRF)', async () => {
    const x = await twoDevices();
    expect((await x.a.post('/api/sessions/revoke-others')).statusCode).toBe(204);
    expect((await x.b.get('/api/auth/me')).statusCode).toBe(401);
  });

  it('GET never needs the header (and never changes state)', async () => {
    const { agent } = await newUser(t);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await agent.get('/api/sessions')).statusCode).toBe(200);
    const getLogout = await agent.get('/api/auth/logout');
    expect(getLogout.statusCode).toBe(404);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('login and register need no X-CSRF-Token', async () => {
    const email = uniqueEmail();
    const anon = new Agent(t);
    expect((await anon.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'No Header' })).statusCode).toBe(201);
    expect((await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
  });
});

describe('Origin check', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const BAD_ORIGINS = ['https://evil.example', 'null', 'http://localhost:3000.evil.example', 'https://localhost:3000', 'http://localhost:3001', 'http://127.0.0.1:3000'];

  for (const origin of BAD_ORIGINS) {
    it(`authenticated write with Origin ${origin} → 403 csrf_failed, nothing changed (even with the right CSRF pair)`, async () => {
      const { agent, email, id } = await newUser(t);
      const other = await login(t, email, STRONG_PASSWORD);
      expectError(await agent.post('/api/sessions/revoke-others', undefined, { headers: { origin } }), 403, 'csrf_failed');
      expectError(await agent.post('/api/auth/logout', undefined, { headers: { origin } }), 403, 'csrf_failed');
      expectError(
        await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'an entirely new passphrase 9' }, { headers: { origin } }),
        403,
        'csrf_failed',
      );
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
      expect((await other.get('/api/auth/me')).statusCode).toBe(200);
      expect(await activeSessionCount(t, id)).toBe(2);
      await login(t, email, STRONG_PASSWORD);
    });

    it(`login and register with Origin ${origin} → 403 csrf_failed, no session, no user`, async () => {
      const { email, id } = await newUser(t);
      const before = await activeSessionCount(t, id);
      const anon = new Agent(t);
      const res = await anon.post('/api/auth/login', { email, password: STRONG_PASSWORD }, { headers: { origin } });
      expectError(res, 403, 'csrf_failed');
      expect(res.cookies).toHaveLength(0);
      expect(await activeSessionCount(t, id)).toBe(before);
      const newEmail = uniqueEmail();
      const reg = await anon.post('/api/auth/register', { email: newEmail, password: STRONG_PASSWORD, name: 'X' }, { headers: { origin } });
      expectError(reg, 403, 'csrf_failed');
      expect(reg.cookies).toHaveLength(0);
      expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', newEmail).executeTakeFirst()).toBeUndefined();
    });
  }

  it('our own Origin is accepted', async () => {
    const { agent, email } = await newUser(t);
    expect((await agent.post('/api/sessions/revoke-others', undefined, { headers: { origin: TEST_ORIGIN } })).statusCode).toBe(204);
    expect((await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD }, { headers: { origin: TEST_ORIGIN } })).statusCode).toBe(200);
  });
});
