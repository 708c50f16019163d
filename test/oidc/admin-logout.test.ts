import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { discoverAs, ISSUER, REDIRECT_URI, relyingParty, signInWith } from './support.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ clock: createTestClock(Date.now()) });
});
afterEach(async () => {
  await t.close();
});

async function admin(): Promise<Awaited<ReturnType<typeof registerUser>>> {
  const a = await registerUser(t);
  await t.db.kysely.updateTable('users').set({ role: 'admin' }).where('id', '=', a.id).execute();
  return a;
}

describe('OpenID Connect clients: admin API', () => {
  it('registers a client with its secret shown once (never in a later response or a log), lists and removes it', async () => {
    const { agent } = await admin();
    const created = await agent.post('/api/admin/oidc-clients', { name: 'Grafana', redirectUris: [REDIRECT_URI], firstParty: true });
    expect(created.statusCode).toBe(201);
    const { client, clientSecret } = created.json<{ client: { clientId: string; public: boolean; firstParty: boolean }; clientSecret: string }>();
    expect(client).toMatchObject({ public: false, firstParty: true });
    expect(clientSecret.length).toBeGreaterThanOrEqual(43);
    const list = await agent.get('/api/admin/oidc-clients');
    expect(list.json<{ clients: { clientId: string }[] }>().clients.map((c) => c.clientId)).toEqual([client.clientId]);
    expect(list.body).not.toContain(clientSecret);

    // The secret works at the token endpoint (it is stored hashed).
    const user = await registerUser(t);
    const config = await discoverAs(t, client.clientId, clientSecret);
    const tokens = await signInWith(user.agent, { clientId: client.clientId, secret: clientSecret, config });
    expect(tokens.claims()?.aud).toBe(client.clientId);

    expect((await agent.delete(`/api/admin/oidc-clients/${client.clientId}`)).statusCode).toBe(204);
    expect((await agent.delete(`/api/admin/oidc-clients/${client.clientId}`)).statusCode).toBe(404);
    expect((await oidc.tokenIntrospection(config, tokens.access_token).catch((e: unknown) => e)) instanceof Error).toBe(true);
    expect(t.logs.join('')).not.toContain(clientSecret);
  });

  it('a public client gets no secret; bad redirect URIs and non-admins are refused', async () => {
    const { agent } = await admin();
    const pub = await agent.post('/api/admin/oidc-clients', { name: 'SPA', redirectUris: ['http://localhost:5173/cb'], public: true });
    expect(pub.statusCode).toBe(201);
    expect(pub.json<{ clientSecret: unknown }>().clientSecret).toBeNull();
    const bad = await agent.post('/api/admin/oidc-clients', { name: 'Bad', redirectUris: ['https://x.example/cb#f'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('invalid_request');
    const user = await registerUser(t);
    expect((await user.agent.get('/api/admin/oidc-clients')).statusCode).toBe(403);
    expect((await user.agent.post('/api/admin/oidc-clients', { name: 'X', redirectUris: [REDIRECT_URI] })).statusCode).toBe(403);
  });

  it('registration refuses redirect URIs that could not be matched exactly or safely: relative, another scheme, credentials, wildcards, fragments', async () => {
    const { agent } = await admin();
    for (const uri of ['/cb', 'javascript:alert(1)', 'myapp://cb', 'https://user:pw@x.example/cb', 'https://*.example/cb', 'https://x.example/cb#f']) {
      const res = await agent.post('/api/admin/oidc-clients', { name: 'Bad', redirectUris: [uri] });
      expect(res.statusCode, uri).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('invalid_request');
      const post = await agent.post('/api/admin/oidc-clients', { name: 'Bad', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [uri] });
      expect(post.statusCode, uri).toBe(400);
    }
    expect((await agent.get('/api/admin/oidc-clients')).json<{ clients: unknown[] }>().clients).toEqual([]);
  });

  it('a public client signs in with PKCE and no secret', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { public: true, firstParty: true });
    const tokens = await signInWith(user.agent, rp);
    expect(tokens.claims()?.sub).toBe(user.id);
  });
});

describe('OpenID Connect RP-initiated logout', () => {
  it('confirmed logout ends the Gatehouse session (and so every token from it) and returns to the registered URI', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true, postLogoutRedirectUris: ['https://rp.example.test/bye'] });
    const tokens = await signInWith(user.agent, rp, { scope: 'openid offline_access', prompt: 'consent' });
    const end = oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: 'https://rp.example.test/bye', state: 'st8' });
    const page = await user.agent.get(`${end.pathname}${end.search}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('Sign out of Gatehouse?');
    expect(page.body).not.toMatch(/<script|style=/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const confirm = await user.agent.post('/oidc/session/end/confirm', new URLSearchParams({ xsrf, logout: 'yes' }).toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirm.statusCode).toBe(303);
    expect(confirm.headers.location).toBe('https://rp.example.test/bye?state=st8');
    expect((await user.agent.get('/api/auth/me')).statusCode).toBe(401);
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    const events = await t.db.kysely.selectFrom('security_events').select('type').where('user_id', '=', user.id).execute();
    expect(events.map((e) => e.type)).toContain('logout');
  });

  it('an unregistered post-logout URI is refused', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true, postLogoutRedirectUris: ['https://rp.example.test/bye'] });
    const tokens = await signInWith(user.agent, rp);
    const end = oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: 'https://evil.example/' });
    const res = await user.agent.get(`${end.pathname}${end.search}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(ISSUER).toBe('http://localhost:3000');
  });
});
