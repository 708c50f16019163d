import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { liveSessionIds, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { WEBAUTHN_COOKIE, enrollPasskey, enrollTotp, freshCode, mfaState, passwordlessOptions, pendingLogin, user } from './support.js';

/** "Single-use" must hold when the same secret arrives twice at once. */
describe('single use under concurrency', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  function statuses(results: { statusCode: number }[]): number[] {
    return results.map((r) => r.statusCode).sort();
  }

  it('one recovery code on two pending logins at once: exactly one signs in', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const a = await pendingLogin(t, u.email, u.password);
    const b = await pendingLogin(t, u.email, u.password);
    const results = await Promise.all([a, b].map((p) => p.agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[0] })));
    expect(statuses(results)).toEqual([200, 401]);
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(9);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('one TOTP code on two pending logins at once: exactly one signs in', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const a = await pendingLogin(t, u.email, u.password);
    const b = await pendingLogin(t, u.email, u.password);
    const code = freshCode(t, secret);
    const results = await Promise.all([a, b].map((p) => p.agent.post('/api/auth/login/mfa', { code })));
    expect(statuses(results)).toEqual([200, 401]);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('one gh_mfa completed twice at once: one session', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    const twin = new Agent(t, agent.ip);
    twin.jar.set('gh_mfa', agent.jar.get('gh_mfa')!);
    const results = await Promise.all([
      agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[0] }),
      twin.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[1] }),
    ]);
    expect(statuses(results)).toEqual([200, 401]);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('one passwordless assertion sent twice at once: one session', async () => {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    await enrollPasskey(u, auth);
    const agent = new Agent(t, nextIp());
    const response = auth.getAssertion(await passwordlessOptions(agent));
    const twin = new Agent(t, agent.ip);
    twin.jar.set(WEBAUTHN_COOKIE, agent.jar.get(WEBAUTHN_COOKIE)!);
    const results = await Promise.all([agent.post('/api/auth/passkey', { response }), twin.post('/api/auth/passkey', { response })]);
    expect(statuses(results)).toEqual([200, 401]);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });
});
