import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError, liveSessionIds } from '../core/support.js';
import { wrongTotpCode } from '../helpers/totp.js';
import {
  MFA_COOKIE,
  codeNow,
  countOf,
  enrollTotp,
  expectMfaRefused,
  expectSignedIn,
  freshCode,
  mfaState,
  ok,
  pendingLogin,
  startTotp,
  user,
} from './support.js';

describe('password login with an authenticator app', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('the password step answers {mfaRequired, methods} with an HttpOnly gh_mfa cookie and no session', async () => {
    const u = await user(t);
    await enrollTotp(t, u);
    const sessionsBefore = await liveSessionIds(t, u.id);
    const { res, methods } = await pendingLogin(t, u.email, u.password);
    expect(res.json()).toEqual({ mfaRequired: true, methods: expect.arrayContaining(['totp', 'recovery_code']) as unknown });
    expect(methods).not.toContain('passkey');
    expect(res.cookies.map((c) => c.name)).toEqual([MFA_COOKIE]);
    const c = res.cookies[0]!;
    expect(c.httpOnly).toBe(true);
    expect(String(c.sameSite).toLowerCase()).toBe('strict');
    expect(c.path).toBe('/');
    expect(c.maxAge).toBeGreaterThan(0);
    expect(c.maxAge).toBeLessThanOrEqual(300);
    expect(res.body).not.toContain(c.value);
    expect(await liveSessionIds(t, u.id)).toEqual(sessionsBefore);
  });

  it('a wrong password is still 401 invalid_credentials with no gh_mfa', async () => {
    const u = await user(t);
    await enrollTotp(t, u);
    const agent = new Agent(t);
    expectError(await agent.post('/api/auth/login', { email: u.email, password: 'wrong password here' }), 401, 'invalid_credentials');
    expect(agent.jar.size).toBe(0);
  });

  it('the right code → 200 {user} + cookie pair, gh_mfa cleared, authMethods password+totp, login_succeeded', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const logins = await countOf(u.agent, 'login_succeeded');
    const { agent } = await pendingLogin(t, u.email, u.password);
    const res = await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) });
    ok(res);
    expect(res.json<{ user: { id: string; email: string } }>().user).toMatchObject({ id: u.id, email: u.email });
    const names = res.cookies.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['gh_session', 'gh_csrf', MFA_COOKIE]));
    expect(res.cookies.find((c) => c.name === MFA_COOKIE)?.value).toBe('');
    expect(agent.jar.has(MFA_COOKIE)).toBe(false);
    const m = await expectSignedIn(agent, ['password', 'totp']);
    expect(m.mfa).toEqual({ enabled: true, setupRequired: false, requiredBy: null });
    const sessions = (await agent.get('/api/sessions')).json<{ sessions: { id: string; current: boolean; authMethods: string[] }[] }>().sessions;
    expect(sessions.find((s) => s.current)).toMatchObject({ id: m.session.id, authMethods: ['password', 'totp'] });
    // The enrolling session was made with the password alone.
    expect(sessions.find((s) => !s.current)?.authMethods).toEqual(['password']);
    expect(await countOf(u.agent, 'login_succeeded')).toBe(logins + 1);
  });

  it('±1 step of drift is accepted; a code is accepted once; an older one or one 2 steps ahead is refused', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    t.clock.advance(3 * 30_000);
    const previous = codeNow(t, secret, -1);
    const current = codeNow(t, secret);
    const aheadTwo = codeNow(t, secret, 2);
    const a1 = await pendingLogin(t, u.email, u.password);
    await expectMfaRefused(a1.agent, { code: aheadTwo }, 401, 'invalid_code');
    ok(await a1.agent.post('/api/auth/login/mfa', { code: previous }));
    const a2 = await pendingLogin(t, u.email, u.password);
    ok(await a2.agent.post('/api/auth/login/mfa', { code: current }));
    const a3 = await pendingLogin(t, u.email, u.password);
    await expectMfaRefused(a3.agent, { code: current }, 401, 'invalid_code');
    await expectMfaRefused(a3.agent, { code: previous }, 401, 'invalid_code');
    // Next step: a new code works on the same pending login.
    ok(await a3.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });

  it('the code that confirmed the setup is spent: the same code at login → 401 invalid_code', async () => {
    const u = await user(t);
    const { secret } = await startTotp(u.agent, u.password);
    const code = freshCode(t, secret);
    ok(await u.agent.post('/api/mfa/totp/confirm', { code }));
    const { agent } = await pendingLogin(t, u.email, u.password);
    await expectMfaRefused(agent, { code }, 401, 'invalid_code');
  });

  it('5 wrong codes kill the pending login: then even the right code → 401 unauthenticated; mfa_failed recorded', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    for (let i = 0; i < 5; i += 1) await expectMfaRefused(agent, { code: wrongTotpCode(secret, t.clock.now()) }, 401, 'invalid_code');
    const saved = agent.jar.get(MFA_COOKIE);
    const right = freshCode(t, secret);
    const again = new Agent(t);
    if (saved !== undefined) again.jar.set(MFA_COOKIE, saved);
    await expectMfaRefused(again, { code: right }, 401, 'unauthenticated');
    await expectMfaRefused(agent, { code: right }, 401, 'unauthenticated');
    expect(await countOf(u.agent, 'mfa_failed')).toBe(5);
    // A new password login starts a new pending login, and the right code works there.
    const fresh = await pendingLogin(t, u.email, u.password);
    ok(await fresh.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });

  it('wrong codes do not kill the pending login before the 5th: the 4th wrong then the right code → 200', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    for (let i = 0; i < 4; i += 1) await expectMfaRefused(agent, { code: wrongTotpCode(secret, t.clock.now()) }, 401, 'invalid_code');
    ok(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });

  it('gh_mfa replayed after success → 401 unauthenticated', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    const token = agent.jar.get(MFA_COOKIE)!;
    ok(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
    const replay = new Agent(t);
    replay.jar.set(MFA_COOKIE, token);
    await expectMfaRefused(replay, { code: freshCode(t, secret) }, 401, 'unauthenticated');
    expectError(await replay.post('/api/auth/login/mfa/options'), 401, 'unauthenticated');
  });

  it('gh_mfa of user A with user B’s code → 401 invalid_code', async () => {
    const a = await user(t);
    const b = await user(t);
    const sa = (await enrollTotp(t, a)).secret;
    const sb = (await enrollTotp(t, b)).secret;
    const { agent } = await pendingLogin(t, a.email, a.password);
    const bCode = freshCode(t, sb);
    expect(bCode).not.toBe(codeNow(t, sa));
    await expectMfaRefused(agent, { code: bCode }, 401, 'invalid_code');
    expect(await liveSessionIds(t, b.id)).toHaveLength(1);
  });

  it('a user without a second factor has no pending login: login/mfa → 401 unauthenticated', async () => {
    const u = await user(t);
    const agent = new Agent(t);
    const res = await agent.post('/api/auth/login', { email: u.email, password: u.password });
    ok(res);
    expect(res.json<{ mfaRequired?: boolean }>().mfaRequired).toBeUndefined();
    expect(agent.jar.has(MFA_COOKIE)).toBe(false);
    expectError(await new Agent(t).post('/api/auth/login/mfa', { code: '123456' }), 401, 'unauthenticated');
  });

  it('malformed bodies → 400 invalid_request and count nothing against the pending login', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    const bad: unknown[] = [
      {},
      { code: '123 456' },
      { code: '12a456' },
      { code: 123456 },
      { code: null },
      { recoveryCode: 42 },
      { code: codeNow(t, secret), recoveryCode: 'abcd-efgh-jkmn-pqrs' },
      { code: codeNow(t, secret), extra: true },
      { passkey: 'not an assertion' },
    ];
    for (const body of bad) await expectMfaRefused(agent, body, 400, 'invalid_request');
    expect(await countOf(u.agent, 'mfa_failed')).toBe(0);
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(10);
    // Nine malformed requests later (more than 5), the pending login is still alive.
    ok(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });

  it('the Origin check applies to login/mfa (no X-CSRF-Token needed)', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    expectError(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }, { headers: { origin: 'https://evil.example' } }), 403, 'csrf_failed');
    ok(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }, { headers: { origin: 'http://localhost:3000' } }));
  });
});
