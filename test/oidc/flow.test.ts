import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { ISSUER, relyingParty, signInWith, authRequest, browse } from './support.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ clock: createTestClock(Date.now()) });
});
afterEach(async () => {
  await t.close();
});

describe('OpenID Connect provider: the code flow with openid-client as the relying party', () => {
  it('publishes discovery with our endpoints and only code + S256', async () => {
    const res = await t.app.inject({ url: '/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    const d = res.json<Record<string, unknown>>();
    expect(d.issuer).toBe(ISSUER);
    expect(d.authorization_endpoint).toBe(`${ISSUER}/oidc/auth`);
    expect(d.token_endpoint).toBe(`${ISSUER}/oidc/token`);
    expect(d.userinfo_endpoint).toBe(`${ISSUER}/oidc/me`);
    expect(d.jwks_uri).toBe(`${ISSUER}/oidc/jwks`);
    expect(d.end_session_endpoint).toBe(`${ISSUER}/oidc/session/end`);
    expect(d.revocation_endpoint).toBe(`${ISSUER}/oidc/token/revocation`);
    expect(d.introspection_endpoint).toBe(`${ISSUER}/oidc/token/introspection`);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.grant_types_supported).not.toContain('implicit');
    expect(d.authorization_response_iss_parameter_supported).toBe(true);
    const jwks = (await t.app.inject({ url: '/oidc/jwks' })).json<{ keys: { alg: string; d?: string }[] }>();
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('signs a first-party app in: ID token, userinfo, refresh, introspection, revocation', async () => {
    const user = await registerUser(t, { name: 'Ada' });
    const rp = await relyingParty(t, { firstParty: true });
    const tokens = await signInWith(user.agent, rp, { scope: 'openid email profile organization offline_access', prompt: 'consent' });
    const claims = tokens.claims();
    expect(claims?.sub).toBe(user.id);
    expect(claims?.email).toBe(user.email);
    expect(claims?.iss).toBe(ISSUER);
    expect(tokens.refresh_token).toBeDefined();
    expect(tokens.expires_in).toBe(600);
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, email_verified: false, name: 'Ada', org: { id: user.orgId, role: 'owner' } });

    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const active = await oidc.tokenIntrospection(rp.config, refreshed.access_token);
    expect(active).toMatchObject({ active: true, sub: user.id, client_id: rp.clientId });
    await oidc.tokenRevocation(rp.config, refreshed.access_token);
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(false);
  });

  it('sends a signed-out browser to the interaction page', async () => {
    const rp = await relyingParty(t);
    const request = await authRequest(rp);
    const { Agent } = await import('../helpers/app.js');
    const step = await browse(new Agent(t), request.url.href);
    expect(step.kind).toBe('interaction');
  });
});
