import * as oidc from 'openid-client';
import { createLocalJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { ISSUER, REDIRECT_URI, authRequest, authorize, browse, exchange, relyingParty, signInWith } from './support.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ clock: createTestClock(Date.now()) });
});
afterEach(async () => {
  await t.close();
});

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await t.app.inject({ url: '/oidc/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode;
}

describe('OpenID Connect provider: refused requests', () => {
  it('a redirect URI that is not registered exactly gets an error page, never a redirect', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    for (const wrong of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, 'https://evil.example/callback', REDIRECT_URI.toUpperCase()]) {
      const request = await authRequest(rp, { redirect_uri: wrong });
      const step = await browse(user.agent, request.url.href);
      expect(step.kind, wrong).toBe('page');
      if (step.kind === 'page') {
        expect(step.res.statusCode).toBe(400);
        expect(step.res.body).toContain('redirect_uri');
        expect(step.res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
    }
  });

  it('missing PKCE, and the plain method, are refused back to the client', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const missing = oidc.buildAuthorizationUrl(rp.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1' });
    const plain = oidc.buildAuthorizationUrl(rp.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's2', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    for (const url of [missing, plain]) {
      const step = await browse(user.agent, url.href);
      expect(step.kind).toBe('callback');
      if (step.kind === 'callback') {
        expect(step.url.searchParams.get('error')).toBe('invalid_request');
        expect(step.url.searchParams.get('code')).toBeNull();
        expect(step.url.searchParams.get('iss')).toBe(ISSUER);
      }
    }
  });

  it('a public client too: no PKCE is refused, and its code needs the right code_verifier at the token endpoint', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { public: true, firstParty: true });
    const missing = await browse(user.agent, oidc.buildAuthorizationUrl(rp.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1' }).href);
    expect(missing.kind === 'callback' ? missing.url.searchParams.get('error') : missing.kind).toBe('invalid_request');
    const redeem = async (code: string, verifier: string | undefined): Promise<{ status: number; error: string }> => {
      const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: rp.clientId, code, redirect_uri: REDIRECT_URI, ...(verifier === undefined ? {} : { code_verifier: verifier }) });
      const res = await t.app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
      return { status: res.statusCode, error: res.json<{ error?: string }>().error ?? '' };
    };
    for (const verifier of [undefined, oidc.randomPKCECodeVerifier()]) {
      const request = await authRequest(rp);
      const code = (await authorize(user.agent, request)).searchParams.get('code') ?? '';
      const refused = await redeem(code, verifier);
      expect(refused.status, String(verifier)).toBe(400);
      expect(['invalid_grant', 'invalid_request']).toContain(refused.error);
    }
    // Control: the same request with its own verifier is redeemed (so the refusals above were PKCE's).
    const request = await authRequest(rp);
    const code = (await authorize(user.agent, request)).searchParams.get('code') ?? '';
    expect((await redeem(code, request.verifier)).status).toBe(200);
  });

  it('a code used twice is refused, and the tokens from its first use are revoked', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const request = await authRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const callback = await authorize(user.agent, request);
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    const tokens = await exchange(rp, request, callback);
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
    await expect(exchange(rp, request, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a refresh token used twice ends the whole family and is recorded', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const first = await signInWith(user.agent, rp, { scope: 'openid offline_access', prompt: 'consent' });
    const second = await oidc.refreshTokenGrant(rp.config, first.refresh_token ?? '');
    await expect(oidc.refreshTokenGrant(rp.config, first.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(rp.config, second.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoStatus(second.access_token)).toBe(401);
    const events = (await user.agent.get('/api/security-events')).json<{ events: { type: string }[] }>().events;
    expect(events.map((e) => e.type)).toContain('oidc_token_reuse');
  });

  it("a disabled user's refresh token is refused", async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const tokens = await signInWith(user.agent, rp, { scope: 'openid offline_access', prompt: 'consent' });
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute();
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
  });

  it("another client's code is refused", async () => {
    const user = await registerUser(t);
    const a = await relyingParty(t, { firstParty: true, name: 'A' });
    const b = await relyingParty(t, { firstParty: true, name: 'B' });
    const request = await authRequest(a);
    const callback = await authorize(user.agent, request);
    await expect(exchange(b, request, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an expired code is refused', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const request = await authRequest(rp);
    const callback = await authorize(user.agent, request);
    t.clock.advance(61_000);
    await expect(exchange(rp, request, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an ID token for another audience, or with a forged audience, does not verify', async () => {
    const user = await registerUser(t);
    const a = await relyingParty(t, { firstParty: true, name: 'A' });
    const b = await relyingParty(t, { firstParty: true, name: 'B' });
    const idToken = (await signInWith(user.agent, b)).id_token ?? '';
    const jwks = createLocalJWKSet((await t.app.inject({ url: '/oidc/jwks' })).json());
    expect(decodeProtectedHeader(idToken).alg).toBe('ES256');
    await expect(jwtVerify(idToken, jwks, { issuer: ISSUER, audience: b.clientId })).resolves.toBeDefined();
    await expect(jwtVerify(idToken, jwks, { issuer: ISSUER, audience: a.clientId })).rejects.toThrow();
    const [header = '', , signature = ''] = idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(idToken), aud: a.clientId })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, jwks, { issuer: ISSUER, audience: a.clientId })).rejects.toThrow();
  });

  it('prompt=none without a Gatehouse session answers login_required; state and iss come back', async () => {
    const rp = await relyingParty(t, { firstParty: true });
    const request = await authRequest(rp, { prompt: 'none' });
    const { Agent } = await import('../helpers/app.js');
    const step = await browse(new Agent(t), request.url.href);
    expect(step.kind).toBe('callback');
    if (step.kind === 'callback') {
      expect(step.url.searchParams.get('error')).toBe('login_required');
      expect(step.url.searchParams.get('state')).toBe(request.state);
      expect(step.url.searchParams.get('iss')).toBe(ISSUER);
    }
  });

  it('a wrong client secret is refused', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    const request = await authRequest(rp);
    const callback = await authorize(user.agent, request);
    const res = await t.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${rp.clientId}:wrong`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: REDIRECT_URI, code_verifier: request.verifier }).toString(),
    });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: string }>().error).toBe('invalid_client');
  });
});
