import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, base64url, decodeJwt, type JWTPayload } from 'jose';
import { Agent, STRONG_PASSWORD, TEST_SECRET, buildTestApp, registerUser, tokenFromEmail, type TestApp } from '../helpers/app.js';
import { contractKey, emailVerifiedOf, errorCodeOf, expectError } from '../helpers/mail.js';

const EMAIL_TYP = 'gatehouse-email+jwt';
const NEW_PASSWORD = 'a completely different passphrase 7';

interface Fixture {
  agent: Agent;
  id: string;
  email: string;
  verify: string;
  reset: string;
  session: string;
}

async function sign(key: Uint8Array, claims: JWTPayload, header: Record<string, unknown> = {}, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: EMAIL_TYP, ...header }).sign(key);
}

function claimsLike(token: string, extra: JWTPayload = {}): JWTPayload {
  const c = decodeJwt(token);
  return { aud: c.aud, sub: c.sub, jti: c.jti, iat: c.iat, exp: c.exp, purpose: c.purpose, ...extra };
}

describe('email tokens: audience, purpose and key confusion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function fixture(): Promise<Fixture> {
    const { agent, id, email } = await registerUser(t);
    const verify = await tokenFromEmail(t, email, '/verify-email');
    expect((await new Agent(t).post('/api/auth/forgot-password', { email })).statusCode).toBe(202);
    const reset = await tokenFromEmail(t, email, '/reset-password');
    const session = agent.sessionCookie;
    if (session === undefined) throw new Error('no session cookie');
    return { agent, id, email, verify, reset, session };
  }

  /** After every refused attempt: still unverified, same password, and both genuine links still work. */
  async function expectUntouchedThenGenuineWork(f: Fixture): Promise<void> {
    expect(emailVerifiedOf(await f.agent.get('/api/auth/me'))).toBe(false);
    expect((await new Agent(t).post('/api/auth/login', { email: f.email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    expect((await new Agent(t).post('/api/auth/verify-email', { token: f.verify })).statusCode).toBe(200);
    expect((await new Agent(t).post('/api/auth/reset-password', { token: f.reset, password: NEW_PASSWORD })).statusCode).toBe(200);
  }

  async function forgeries(f: Fixture): Promise<Record<string, { verify: string; reset: string }>> {
    const emailKey = contractKey(TEST_SECRET, 'gatehouse-email');
    const sessionKey = contractKey(TEST_SECRET, 'gatehouse-session');
    const wrongSecretKey = contractKey(`${TEST_SECRET}-other`, 'gatehouse-email');
    const both = async (make: (genuine: string) => Promise<string> | string): Promise<{ verify: string; reset: string }> => ({
      verify: await make(f.verify),
      reset: await make(f.reset),
    });
    return {
      // The session cookie value, presented as an email token.
      'session cookie value': { verify: f.session, reset: f.session },
      // Exact email-token claims and header, signed with the session audience's key.
      'signed with the session key': await both((g) => sign(sessionKey, claimsLike(g))),
      'signed with another secret': await both((g) => sign(wrongSecretKey, claimsLike(g))),
      // The email key, but the third purpose (and the real row ids).
      'purpose org_invite': await both((g) => sign(emailKey, claimsLike(g, { purpose: 'org_invite' }))),
      'no purpose': await both((g) => sign(emailKey, claimsLike(g, { purpose: undefined }))),
      // Right key and purpose, but the session audience or typ.
      'session audience': await both((g) => sign(emailKey, claimsLike(g, { aud: 'gatehouse-session' }))),
      'session typ': await both((g) => sign(emailKey, claimsLike(g), { typ: 'gatehouse-session+jwt' })),
      // Right key, right purpose, but the row belongs to the other purpose (jti swapped).
      'jti of the other purpose': {
        verify: await sign(emailKey, claimsLike(f.verify, { jti: decodeJwt(f.reset).jti })),
        reset: await sign(emailKey, claimsLike(f.reset, { jti: decodeJwt(f.verify).jti })),
      },
      'someone else as subject': await both((g) => sign(emailKey, claimsLike(g, { sub: 'someone-else' }))),
      'HS512 with the email key': await both((g) => sign(emailKey, claimsLike(g), {}, 'HS512')),
      'alg none': await both((g) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: EMAIL_TYP }))}.${base64url.encode(JSON.stringify(claimsLike(g)))}.`),
      'tampered payload': await both((g) => {
        const [h, , s] = g.split('.');
        return `${h ?? ''}.${base64url.encode(JSON.stringify(claimsLike(g, { sub: 'someone-else' })))}.${s ?? ''}`;
      }),
      garbage: { verify: 'not-a-jwt', reset: 'a.b.c' },
    };
  }

  it('refuses a reset token at verify-email and a verify token at reset-password', async () => {
    const f = await fixture();
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: f.reset }), 400, 'invalid_token');
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: f.verify, password: NEW_PASSWORD }), 400, 'invalid_token');
    await expectUntouchedThenGenuineWork(f);
  });

  it('refuses every forged or confused token at both endpoints with 400 invalid_token', async () => {
    const f = await fixture();
    const cases = await forgeries(f);
    for (const [name, tokens] of Object.entries(cases)) {
      const v = await new Agent(t).post('/api/auth/verify-email', { token: tokens.verify });
      expect({ name, status: v.statusCode, code: errorCodeOf(v) }).toEqual({ name, status: 400, code: 'invalid_token' });
      const r = await new Agent(t).post('/api/auth/reset-password', { token: tokens.reset, password: NEW_PASSWORD });
      expect({ name, status: r.statusCode, code: errorCodeOf(r) }).toEqual({ name, status: 400, code: 'invalid_token' });
    }
    await expectUntouchedThenGenuineWork(f);
  });

  it('refuses an expired token of the wrong purpose as invalid, not expired', async () => {
    const f = await fixture();
    t.clock.advance(25 * 3_600_000);
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: f.reset }), 400, 'invalid_token');
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: f.verify, password: NEW_PASSWORD }), 400, 'invalid_token');
    const forged = await sign(contractKey(TEST_SECRET, 'gatehouse-session'), claimsLike(f.verify));
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: forged }), 400, 'invalid_token');
    // The genuine ones are merely expired.
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: f.verify }), 410, 'token_expired');
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: f.reset, password: NEW_PASSWORD }), 410, 'token_expired');
  });

  it('never accepts an email token as the session cookie', async () => {
    const f = await fixture();
    for (const token of [f.verify, f.reset]) {
      const res = await new Agent(t).get('/api/auth/me', { cookies: { gh_session: token } });
      expectError(res, 401, 'unauthenticated');
    }
  });

  it('keeps wrong-type and unknown fields out with 400 invalid_request', async () => {
    const f = await fixture();
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: 42 }), 400, 'invalid_request');
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: f.verify, userId: f.id }), 400, 'invalid_request');
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: f.reset }), 400, 'invalid_request');
    expectError(await new Agent(t).post('/api/auth/reset-password', { token: f.reset, password: null }), 400, 'invalid_request');
    await expectUntouchedThenGenuineWork(f);
  });

  it('needs no session and no CSRF header, but does apply the Origin check', async () => {
    const f = await fixture();
    const cross = await new Agent(t).post('/api/auth/verify-email', { token: f.verify }, { headers: { origin: 'https://evil.example' } });
    expectError(cross, 403, 'csrf_failed');
    expect(emailVerifiedOf(await f.agent.get('/api/auth/me'))).toBe(false);
    const same = await new Agent(t).post('/api/auth/verify-email', { token: f.verify }, { headers: { origin: t.config.publicOrigin } });
    expect(same.statusCode).toBe(200);
  });
});
