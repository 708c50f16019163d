import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, TEST_ORIGIN, TEST_SECRET, buildTestApp, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { contractKey, emailVerifiedOf, errorCodeOf, expectError } from '../helpers/mail.js';
import { newUser } from '../core/support.js';
import { inviteOk, join, membershipOf, snapshot } from '../org/support.js';

const NEW_PASSWORD = 'a completely different passphrase 7';
type Purpose = 'verify_email' | 'reset_password' | 'org_invite';

function inspect(t: TestApp, token: string, purpose: Purpose, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  // No session: whoever holds an email link may check it, like they may use it.
  return new Agent(t).post('/api/auth/tokens/inspect', { token, purpose }, { headers });
}

async function resetToken(t: TestApp, email: string): Promise<string> {
  expect((await new Agent(t).post('/api/auth/forgot-password', { email })).statusCode).toBe(202);
  return tokenFromEmail(t, email, '/reset-password');
}

async function signedLike(token: string, extra: JWTPayload): Promise<string> {
  const c = decodeJwt(token);
  const claims = { aud: c.aud, sub: c.sub, jti: c.jti, iat: c.iat, exp: c.exp, purpose: c.purpose, ...extra };
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'gatehouse-email+jwt' }).sign(contractKey(TEST_SECRET, 'gatehouse-email'));
}

describe('POST /api/auth/tokens/inspect', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes a valid verification link, changes nothing, and the link still works afterwards', async () => {
    const { agent, email } = await newUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    const before = await snapshot(t);
    const res = await inspect(t, token, 'verify_email');
    expect(res.statusCode, res.body).toBe(200);
    const row = await t.db.kysely.selectFrom('email_tokens').select('expires_at').where('email', '=', email).where('purpose', '=', 'verify_email').executeTakeFirstOrThrow();
    expect(res.json()).toEqual({ purpose: 'verify_email', email, expiresAt: new Date(row.expires_at).toISOString() });
    // Twice, even: nothing is spent.
    expect((await inspect(t, token, 'verify_email')).statusCode).toBe(200);
    expect(await snapshot(t)).toEqual(before);
    expect(emailVerifiedOf(await agent.get('/api/auth/me'))).toBe(false);
    expect((await new Agent(t).post('/api/auth/verify-email', { token })).statusCode).toBe(200);
    // Used: the inspection now says what verify-email says.
    expectError(await inspect(t, token, 'verify_email'), 400, 'invalid_token');
  });

  it('describes a valid reset link without using it; then a used or superseded link is invalid_token', async () => {
    const { email } = await newUser(t);
    const first = await resetToken(t, email);
    t.clock.advance(1000);
    const second = await resetToken(t, email);
    // The second request superseded the first.
    expectError(await inspect(t, first, 'reset_password'), 400, 'invalid_token');
    const before = await snapshot(t);
    const res = await inspect(t, second, 'reset_password');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ purpose: 'reset_password', email, expiresAt: new Date(t.clock.now() + t.config.resetTokenTtlMs).toISOString() });
    expect(res.body).not.toContain(second);
    expect(t.logs.join('\n')).not.toContain(second);
    expect(await snapshot(t)).toEqual(before);
    expect((await new Agent(t).post('/api/auth/reset-password', { token: second, password: NEW_PASSWORD })).statusCode).toBe(200);
    expectError(await inspect(t, second, 'reset_password'), 400, 'invalid_token');
  });

  it('an expired link → 410 token_expired (injected clock), just before expiry still 200', async () => {
    const { email } = await newUser(t);
    const reset = await resetToken(t, email);
    const verify = await tokenFromEmail(t, email, '/verify-email');
    t.clock.advance(t.config.resetTokenTtlMs - 1000);
    expect((await inspect(t, reset, 'reset_password')).statusCode).toBe(200);
    t.clock.advance(2000);
    expectError(await inspect(t, reset, 'reset_password'), 410, 'token_expired');
    t.clock.advance(t.config.verifyTokenTtlMs);
    expectError(await inspect(t, verify, 'verify_email'), 410, 'token_expired');
    // Expired and of another purpose is invalid, not expired: the same rule as on use.
    expectError(await inspect(t, verify, 'reset_password'), 400, 'invalid_token');
  });

  it('a token of another purpose → 400 invalid_token, whichever pair', async () => {
    const owner = await newUser(t);
    const verify = await tokenFromEmail(t, owner.email, '/verify-email');
    const reset = await resetToken(t, owner.email);
    const { token: invite } = await inviteOk(t, owner.agent, uniqueEmail('wrong-purpose'));
    const tokens: Record<Purpose, string> = { verify_email: verify, reset_password: reset, org_invite: invite };
    for (const [have, token] of Object.entries(tokens)) {
      for (const asked of ['verify_email', 'reset_password', 'org_invite'] as const) {
        if (asked === have) continue;
        const res = await inspect(t, token, asked);
        expect({ have, asked, status: res.statusCode, code: errorCodeOf(res) }).toEqual({ have, asked, status: 400, code: 'invalid_token' });
      }
    }
  });

  it('forged and malformed tokens → 400 invalid_token; a bad body → 400 invalid_request', async () => {
    const { email } = await newUser(t);
    const verify = await tokenFromEmail(t, email, '/verify-email');
    const sessionKeySigned = await new SignJWT(decodeJwt(verify)).setProtectedHeader({ alg: 'HS256', typ: 'gatehouse-email+jwt' }).sign(contractKey(TEST_SECRET, 'gatehouse-session'));
    const forged = {
      'signed with the session key': sessionKeySigned,
      'someone else as subject': await signedLike(verify, { sub: 'someone-else' }),
      'an unknown row': await signedLike(verify, { jti: 'no-such-row' }),
      garbage: 'not-a-jwt',
      empty: '',
    };
    for (const [name, token] of Object.entries(forged)) {
      const res = await inspect(t, token, 'verify_email');
      expect({ name, status: res.statusCode, code: errorCodeOf(res) }).toEqual({ name, status: 400, code: 'invalid_token' });
    }
    expectError(await new Agent(t).post('/api/auth/tokens/inspect', { token: verify }), 400, 'invalid_request');
    expectError(await new Agent(t).post('/api/auth/tokens/inspect', { token: verify, purpose: 'session' }), 400, 'invalid_request');
    expectError(await new Agent(t).post('/api/auth/tokens/inspect', { token: verify, purpose: 'verify_email', extra: 1 }), 400, 'invalid_request');
    // The genuine one is still fine after all that.
    expect((await inspect(t, verify, 'verify_email')).statusCode).toBe(200);
  });

  it('a foreign Origin → 403 csrf_failed; our own Origin is fine', async () => {
    const { email } = await newUser(t);
    const token = await tokenFromEmail(t, email, '/verify-email');
    expectError(await inspect(t, token, 'verify_email', { origin: 'https://evil.example' }), 403, 'csrf_failed');
    expect((await inspect(t, token, 'verify_email', { origin: TEST_ORIGIN })).statusCode).toBe(200);
  });

  it('names the organization and the inviter of an invitation; inspecting does not use it up', async () => {
    const owner = await newUser(t, { name: 'Olga Owner', organizationName: 'Northwind' });
    const invited = uniqueEmail('invited');
    const { token, invitation } = await inviteOk(t, owner.agent, invited, 'admin');
    const before = await snapshot(t);
    const res = await inspect(t, token, 'org_invite');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      purpose: 'org_invite',
      organization: { name: 'Northwind' },
      invitedBy: { name: 'Olga Owner', email: owner.email },
      email: invited,
      role: 'admin',
      expiresAt: invitation.expiresAt,
    });
    expect(await snapshot(t)).toEqual(before);
    const joiner = await newUser(t);
    expect((await join(joiner.agent, token)).statusCode).toBe(200);
    expect(await membershipOf(t, joiner.id)).toEqual({ org_id: owner.orgId, role: 'admin' });
    expectError(await inspect(t, token, 'org_invite'), 400, 'invalid_token');
  });

  it('a revoked, superseded or expired invitation says what join says; a deleted inviter falls back to the address', async () => {
    const owner = await newUser(t, { organizationName: 'Contoso' });
    const revoked = await inviteOk(t, owner.agent, uniqueEmail('revoked'));
    expect((await owner.agent.delete(`/api/org/invitations/${revoked.invitation.id}`)).statusCode).toBe(204);
    expectError(await inspect(t, revoked.token, 'org_invite'), 400, 'invalid_token');

    const again = uniqueEmail('again');
    const superseded = await inviteOk(t, owner.agent, again);
    const current = await inviteOk(t, owner.agent, again);
    expectError(await inspect(t, superseded.token, 'org_invite'), 400, 'invalid_token');

    // An admin who invited and then deleted their account: the invitation stays valid.
    const admin = await newUser(t, { name: 'Ada Admin' });
    expect((await join(admin.agent, (await inviteOk(t, owner.agent, admin.email, 'admin')).token)).statusCode).toBe(200);
    const fromAdmin = await inviteOk(t, admin.agent, uniqueEmail('from-admin'));
    expect((await admin.agent.delete('/api/profile', { password: STRONG_PASSWORD })).statusCode).toBe(204);
    expect((await inspect(t, fromAdmin.token, 'org_invite')).json()).toMatchObject({ organization: { name: 'Contoso' }, invitedBy: { name: null, email: admin.email } });

    t.clock.advance(t.config.inviteTokenTtlMs + 1000);
    expectError(await inspect(t, current.token, 'org_invite'), 410, 'token_expired');
    // Revoked and expired stays invalid, as on join.
    expectError(await inspect(t, revoked.token, 'org_invite'), 400, 'invalid_token');
    const late = await newUser(t);
    expectError(await join(late.agent, current.token), 410, 'token_expired');
  });
});
