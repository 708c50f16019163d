import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Agent, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { contractKey, expectError, forge, meWith, nextIp, unsecured } from '../core/support.js';
import { wrongTotpCode } from '../helpers/totp.js';
import { MFA_COOKIE, PAST_CHALLENGE_LIFETIME_MS, enrollTotp, expectMfaRefused, freshCode, mfaKey, ok, pendingLogin, user } from './support.js';

/** The gh_mfa cookie: audience gatehouse-mfa, 5 minutes, single-use, never a session. */
describe('the gh_mfa token', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  async function pendingToken(): Promise<{ token: string; secret: string; agent: Agent; id: string }> {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    return { token: agent.jar.get(MFA_COOKIE)!, secret, agent, id: u.id };
  }

  function agentWithMfa(token: string): Agent {
    const a = new Agent(t, nextIp());
    a.jar.set(MFA_COOKIE, token);
    return a;
  }

  it('is a JWT of audience gatehouse-mfa that lives at most 5 minutes', async () => {
    const { token } = await pendingToken();
    const claims = decodeJwt(token);
    expect(claims.aud).toBe('gatehouse-mfa');
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
  });

  it('is never a session: /api/auth/me with it (under either cookie name) → 401', async () => {
    const { token } = await pendingToken();
    expectError(await meWith(t, token), 401, 'unauthenticated');
    expectError(await meWith(t, token, MFA_COOKIE), 401, 'unauthenticated');
    expectError(await agentWithMfa(token).get('/api/mfa'), 401, 'unauthenticated');
    expectError(await agentWithMfa(token).get('/api/sessions'), 401, 'unauthenticated');
  });

  it('missing → 401 unauthenticated', async () => {
    expectError(await new Agent(t).post('/api/auth/login/mfa', { code: '123456' }), 401, 'unauthenticated');
    expectError(await new Agent(t).post('/api/auth/login/mfa/options'), 401, 'unauthenticated');
  });

  it('expired (5 minutes later) → 401 unauthenticated, even with the right code', async () => {
    const { agent, secret } = await pendingToken();
    t.clock.advance(PAST_CHALLENGE_LIFETIME_MS);
    await expectMfaRefused(agent, { code: freshCode(t, secret) }, 401, 'unauthenticated');
  });

  it('forged: garbage, alg none, wrong key, session key, a session token, a tampered signature → 401 unauthenticated', async () => {
    const { token, secret, agent } = await pendingToken();
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    const forged = [
      'not-a-jwt',
      unsecured({ typ: header.typ }, claims),
      await forge({ key: new Uint8Array(randomBytes(32)), claims, header: { typ: header.typ } }),
      await forge({ key: contractKey(TEST_SECRET, 'gatehouse-session'), claims, header: { typ: header.typ } }),
      await forge({ key: contractKey(TEST_SECRET, 'gatehouse-email'), claims, header: { typ: header.typ } }),
      await forge({ key: mfaKey(TEST_SECRET), claims, header: { typ: header.typ }, alg: 'HS512' }),
      flipped,
    ];
    const code = freshCode(t, secret);
    for (const f of forged) await expectMfaRefused(agentWithMfa(f), { code }, 401, 'unauthenticated');
    // A real session cookie in the gh_mfa slot is not a pending login either.
    const signedIn = await user(t);
    await expectMfaRefused(agentWithMfa(signedIn.agent.sessionCookie!), { code }, 401, 'unauthenticated');
    // The genuine one still works (nothing above spent it).
    ok(await agent.post('/api/auth/login/mfa', { code }));
  });

  it('a validly signed token for a pending login that does not exist → 401 unauthenticated', async () => {
    const { token, secret } = await pendingToken();
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    const rewritten: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(claims)) rewritten[k] = typeof v === 'string' && k !== 'aud' && k !== 'iss' ? `${v}x` : v;
    const minted = await forge({ key: mfaKey(TEST_SECRET), claims: rewritten, header: { typ: header.typ } });
    await expectMfaRefused(agentWithMfa(minted), { code: freshCode(t, secret) }, 401, 'unauthenticated');
  });
});

describe('wrong second-factor codes count toward LOGIN_MAX_FAILURES', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  }, { env: { LOGIN_MAX_FAILURES: '3' } });

  it('the password step counts until the second factor completes: it and 2 wrong codes reach the limit of 3; then codes and the password step answer 429, even right ones', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const ip = nextIp();
    const { agent } = await pendingLogin(t, u.email, u.password, ip);
    for (let i = 0; i < 2; i += 1) await expectMfaRefused(agent, { code: wrongTotpCode(secret, t.clock.now()) }, 401, 'invalid_code');
    // A new password step would otherwise hand a password thief a fresh budget of code guesses.
    expectError(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }), 429, 'rate_limited');
    const res = await new Agent(t, ip).post('/api/auth/login', { email: u.email, password: u.password });
    expectError(res, 429, 'rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The limit is per account and address: another address may still sign in.
    const other = await pendingLogin(t, u.email, u.password, nextIp());
    ok(await other.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });
});
