import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { expectCookiesCleared, expectError, meWith, newUser, whoAmI, withUserApp, type NewUser } from './support.js';

const HTTPS_URL = 'https://auth.example.test';

function expectBaseHeaders(res: LightMyRequestResponse): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(String(res.headers['referrer-policy'])).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
  const csp = String(res.headers['content-security-policy']);
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
  expect(directives.get('frame-ancestors')).toBe("'none'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('base-uri')).toBe("'none'");
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
}

function expectNoStore(res: LightMyRequestResponse): void {
  expect(String(res.headers['cache-control'])).toContain('no-store');
}

describe('security headers (http PUBLIC_URL)', () => {
  let t: TestApp;
  let user: NewUser;
  withUserApp((app, u) => {
    t = app;
    user = u;
  });

  it('every kind of /api response carries nosniff, Referrer-Policy, the CSP and no-store', async () => {
    const responses = [
      await user.agent.get('/api/auth/me'),
      await new Agent(t).get('/api/auth/me'),
      await new Agent(t).get('/api/does-not-exist'),
      await new Agent(t).post('/api/auth/login', { email: 'x@example.test', password: 'wrong wrong wrong' }),
      await new Agent(t).post('/api/auth/login', { email: 1 }),
      await user.agent.post('/api/sessions/revoke-others', undefined, { noCsrf: true }),
      await user.agent.post('/api/sessions/revoke-others', undefined, { headers: { origin: 'https://evil.example' } }),
      await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a'.repeat(20_000) }) }),
      await new Agent(t).post('/api/auth/login', { email: user.email, password: user.password }),
    ];
    for (const res of responses) {
      expectBaseHeaders(res);
      expectNoStore(res);
    }
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 404, 401, 400, 403, 403, 415, 413, 200]);
  });

  it('non-API responses carry the headers too', async () => {
    for (const url of ['/healthz', '/', '/no-such-page']) {
      expectBaseHeaders(await t.app.inject({ method: 'GET', url }));
    }
  });

  it('no HSTS over http', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me' })).headers['strict-transport-security']).toBeUndefined();
  });

  it('no CORS headers are reflected to other origins (simple request and preflight)', async () => {
    const origin = 'https://evil.example';
    const get = await user.agent.get('/api/auth/me', { headers: { origin } });
    expectBaseHeaders(get);
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/login',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('cookie pair attributes: session HttpOnly, CSRF JS-readable, SameSite=Lax, Path=/, no Domain, not Secure over http', async () => {
    const res = await new Agent(t).post('/api/auth/login', { email: user.email, password: user.password });
    const session = res.cookies.find((c) => c.name === 'gh_session');
    const csrf = res.cookies.find((c) => c.name === 'gh_csrf');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(csrf?.httpOnly).not.toBe(true);
    expect(csrf).toMatchObject({ sameSite: 'Lax', path: '/' });
    for (const c of [session, csrf]) {
      expect(c?.domain).toBeUndefined();
      expect(c?.secure).not.toBe(true);
      // Persistent for the session's absolute lifetime, not beyond it.
      expect(c?.maxAge).toBeGreaterThan(0);
      expect(c?.maxAge).toBeLessThanOrEqual(t.config.sessionTtlMs / 1000);
    }
    const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(raw.find((h) => h.startsWith('gh_session='))).toMatch(/;\s*HttpOnly/i);
    expect(raw.find((h) => h.startsWith('gh_csrf='))).not.toMatch(/HttpOnly/i);
    expect(res.body).not.toContain(session?.value ?? '-');
  });
});

describe('https PUBLIC_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_URL: HTTPS_URL } });
  });
  afterAll(async () => {
    await t.close();
  });

  function csrfOf(agent: Agent): Record<string, string> {
    return { 'x-csrf-token': agent.jar.get('__Host-gh_csrf') ?? '' };
  }

  it('HSTS on every response', async () => {
    for (const url of ['/api/auth/me', '/healthz', '/api/nope']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=(\d+)/);
      const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['strict-transport-security']))?.[1]);
      expect(maxAge).toBeGreaterThanOrEqual(15_552_000);
    }
  });

  it('__Host- cookies, Secure, HttpOnly session, Path=/, no Domain', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t);
    const res = await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'H' }, { headers: { origin: HTTPS_URL } });
    expect(res.statusCode).toBe(201);
    const session = res.cookies.find((c) => c.name === '__Host-gh_session');
    const csrf = res.cookies.find((c) => c.name === '__Host-gh_csrf');
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(csrf).toMatchObject({ secure: true, sameSite: 'Lax', path: '/' });
    expect(csrf?.httpOnly).not.toBe(true);
    expect(session?.domain).toBeUndefined();
    expect(csrf?.domain).toBeUndefined();
    expect(res.cookies.find((c) => c.name === 'gh_session')).toBeUndefined();
    // The pair works for reads and writes, with our https Origin.
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await agent.post('/api/sessions/revoke-others', undefined, { headers: { ...csrfOf(agent), origin: HTTPS_URL } })).statusCode).toBe(204);
    // Logout clears the __Host- pair.
    const out = await agent.post('/api/auth/logout', undefined, { headers: csrfOf(agent) });
    expect(out.statusCode).toBe(204);
    expectCookiesCleared(out, '__Host-');
    // A browser ignores a __Host- Set-Cookie without Secure and Path=/: the clearing must carry them.
    for (const c of out.cookies) expect(c).toMatchObject({ secure: true, path: '/' });
  });

  it('a session token presented under the non-__Host- name is not accepted', async () => {
    const email = uniqueEmail();
    const agent = new Agent(t);
    expect((await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'H' })).statusCode).toBe(201);
    const token = agent.jar.get('__Host-gh_session') ?? '';
    expect(token).not.toBe('');
    expect((await meWith(t, token, '__Host-gh_session')).statusCode).toBe(200);
    expectError(await meWith(t, token, 'gh_session'), 401, 'unauthenticated');
    // A tossed, non-__Host- CSRF cookie (settable from a sibling subdomain) does not pass either.
    const csrf = agent.jar.get('__Host-gh_csrf') ?? '';
    const tossed = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/revoke-others',
      cookies: { '__Host-gh_session': token, gh_csrf: csrf },
      headers: { 'x-csrf-token': csrf },
    });
    expectError(tossed, 403, 'csrf_failed');
  });

  it('the Origin check uses the https origin', async () => {
    const { agent } = await newUser(t);
    for (const origin of ['http://auth.example.test', 'https://auth.example.test:8443', 'https://evil.example']) {
      expectError(await agent.post('/api/sessions/revoke-others', undefined, { headers: { ...csrfOf(agent), origin } }), 403, 'csrf_failed');
    }
    expect((await agent.post('/api/sessions/revoke-others', undefined, { headers: { ...csrfOf(agent), origin: HTTPS_URL } })).statusCode).toBe(204);
    expect((await whoAmI(agent)).userId).toBeTruthy();
  });
});
