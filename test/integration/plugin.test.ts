import type { FastifyError, FastifyInstance, LightMyRequestResponse } from 'fastify';
import cookie from '@fastify/cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, TEST_ORIGIN, buildTestApp, uniqueEmail, type Agent, type TestApp } from '../helpers/app.js';
import { buildHost, hostAgent } from './support.js';

const PREFIX = '/auth';

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
}

describe('the Fastify plugin mounted in someone else’s app', () => {
  let t: TestApp;
  let host: FastifyInstance;
  /** What the host's own handlers saw: a refused request never reaches them. */
  const handled: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    host = await buildHost(t, {
      // The host's own choices, which Gatehouse must neither adopt nor change.
      fastify: { ajv: { customOptions: { coerceTypes: 'array', removeAdditional: 'all' } } },
      mount: { prefix: PREFIX },
      after(app) {
        app.setErrorHandler((error: FastifyError, _request, reply) => reply.code(error.statusCode ?? 500).send({ hostError: error.message }));
        app.setNotFoundHandler((_request, reply) => reply.code(404).send({ hostNotFound: true }));
        const g = app.gatehouse;
        app.get('/app/public', () => ({ open: true }));
        app.get('/app/me', { preHandler: g.requireSession() }, (request) => {
          handled.push('GET /app/me');
          return { user: request.user, session: request.session };
        });
        app.post<{ Body: { n: number } }>(
          '/app/things',
          { preHandler: g.requireSession(), schema: { body: { type: 'object', properties: { n: { type: 'number' } } } } },
          (request) => {
            handled.push('POST /app/things');
            return { n: request.body.n, body: request.body, by: request.user?.id };
          },
        );
        app.post('/app/text', (request) => ({ got: request.body }));
        app.get('/app/admin', { preHandler: g.requireSession({ role: 'admin' }) }, () => ({ admin: true }));
        app.get('/app/owners', { preHandler: g.requireSession({ orgRole: 'owner' }) }, () => ({ owner: true }));
        app.get('/app/boom', () => {
          throw new Error('host failure');
        });
      },
    });
  });
  afterAll(async () => {
    await host.close();
    await t.close();
  });

  async function signUp(): Promise<{ agent: Agent; id: string; email: string; orgId: string }> {
    const agent = hostAgent(t, host);
    const email = uniqueEmail('host');
    const res = await agent.post(`${PREFIX}/api/auth/register`, { email, password: STRONG_PASSWORD, name: 'Host User' });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json<{ user: { id: string; organization: { id: string } } }>().user;
    return { agent, id: user.id, email, orgId: user.organization.id };
  }

  it('signed out: the host route answers 401 in the Gatehouse envelope, the handler never runs', async () => {
    const before = handled.length;
    const res = await host.inject({ method: 'GET', url: '/app/me' });
    expectError(res, 401, 'unauthenticated');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(handled.length).toBe(before);
  });

  it('signed in through the prefixed API: request.user and request.session on the host route', async () => {
    const u = await signUp();
    const res = await u.agent.get('/app/me');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ user: { id: string; email: string; role: string; organization: { id: string; role: string } }; session: { id: string; impersonator: null } }>();
    expect(body.user).toMatchObject({ id: u.id, email: u.email, role: 'user', organization: { id: u.orgId, role: 'owner' } });
    expect(body.user).not.toHaveProperty('password_hash');
    expect(body.session.id).toMatch(/\S/);
    expect(body.session.impersonator).toBeNull();
    // The same session, seen by the service's own API under the prefix.
    const me = await u.agent.get(`${PREFIX}/api/auth/me`);
    expect(me.json<{ session: { id: string } }>().session.id).toBe(body.session.id);
  });

  it('a write without the CSRF header is 403 csrf_failed and never reaches the handler; with it, 200', async () => {
    const u = await signUp();
    const before = handled.length;
    expectError(await u.agent.post('/app/things', { n: 1 }, { noCsrf: true }), 403, 'csrf_failed');
    expectError(await u.agent.post('/app/things', { n: 1 }, { headers: { 'x-csrf-token': 'forged' } }), 403, 'csrf_failed');
    expectError(await u.agent.post('/app/things', { n: 1 }, { headers: { origin: 'https://evil.example' } }), 403, 'csrf_failed');
    expect(handled.length).toBe(before);
    const ok = await u.agent.post('/app/things', { n: 2 }, { headers: { origin: TEST_ORIGIN } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<{ by: string }>().by).toBe(u.id);
  });

  it('role: admin refuses a plain user (403 forbidden) and admits a site admin', async () => {
    const u = await signUp();
    expectError(await u.agent.get('/app/admin'), 403, 'forbidden');
    await t.db.kysely.updateTable('users').set({ role: 'admin' }).where('id', '=', u.id).execute();
    const res = await u.agent.get('/app/admin');
    expect(res.statusCode, res.body).toBe(200);
  });

  it('orgRole: owner admits the owner and refuses a member (403 forbidden)', async () => {
    const u = await signUp();
    expect((await u.agent.get('/app/owners')).statusCode).toBe(200);
    await t.db.kysely.updateTable('memberships').set({ role: 'member' }).where('user_id', '=', u.id).execute();
    expectError(await u.agent.get('/app/owners'), 403, 'forbidden');
  });

  it('a disabled user gets 403 account_inactive on the very next request', async () => {
    const u = await signUp();
    expect((await u.agent.get('/app/me')).statusCode).toBe(200);
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
    const before = handled.length;
    expectError(await u.agent.get('/app/me'), 403, 'account_inactive');
    expect(handled.length).toBe(before);
  });

  it('after sign-out the host route answers 401 and clears both cookies', async () => {
    const u = await signUp();
    const cookies = Object.fromEntries(u.agent.jar);
    expect((await u.agent.post(`${PREFIX}/api/auth/logout`)).statusCode).toBe(204);
    const res = await host.inject({ method: 'GET', url: '/app/me', cookies });
    expectError(res, 401, 'unauthenticated');
    const cleared = res.cookies.filter((c) => c.value === '' && c.maxAge === 0).map((c) => c.name);
    expect(cleared.sort()).toEqual(['gh_csrf', 'gh_session']);
  });

  it("the host's ajv options, body parsers, error and not-found handlers stay the host's", async () => {
    const u = await signUp();
    // Host schema: coercion and removal of unknown fields, as the host configured.
    const res = await u.agent.post('/app/things', { n: '5', extra: 'dropped' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ n: 5, body: { n: 5 } });
    // Host parsers: text/plain is accepted on the host's routes…
    const text = await host.inject({ method: 'POST', url: '/app/text', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.json()).toEqual({ got: 'hello' });
    // …and the host's handlers answer the host's errors and 404s.
    expect((await host.inject({ method: 'GET', url: '/app/boom' })).json()).toEqual({ hostError: 'host failure' });
    expect((await host.inject({ method: 'GET', url: '/nowhere' })).json()).toEqual({ hostNotFound: true });
    // Gatehouse's security headers are not added to the host's routes.
    expect((await host.inject({ method: 'GET', url: '/app/public' })).headers['content-security-policy']).toBeUndefined();
  });

  it("Gatehouse's own rules still hold under the host: no coercion, unknown fields refused, JSON only, its own 404s and headers", async () => {
    const login = (payload: object): Promise<LightMyRequestResponse> => host.inject({ method: 'POST', url: `${PREFIX}/api/auth/login`, payload });
    const unknown = await login({ email: 'a@example.test', password: STRONG_PASSWORD, admin: true });
    expectError(unknown, 400, 'invalid_request');
    expect(unknown.json<{ error: { fields: Record<string, string> } }>().error.fields).toHaveProperty('admin');
    expectError(await login({ email: 12345, password: STRONG_PASSWORD }), 400, 'invalid_request');
    const text = await host.inject({ method: 'POST', url: `${PREFIX}/api/auth/login`, headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expectError(text, 415, 'unsupported_media_type');
    const missing = await host.inject({ method: 'GET', url: `${PREFIX}/api/nothing-here` });
    expectError(missing, 404, 'not_found');
    const me = await host.inject({ method: 'GET', url: `${PREFIX}/api/auth/me` });
    expectError(me, 401, 'unauthenticated');
    expect(me.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(me.headers['cache-control']).toBe('no-store');
    // The Origin check of the service's API is prefix-aware too.
    const crossSite = await host.inject({ method: 'POST', url: `${PREFIX}/api/auth/login`, headers: { origin: 'https://evil.example' }, payload: { email: 'a@example.test', password: 'x' } });
    expectError(crossSite, 403, 'csrf_failed');
    // The forward-auth endpoint and the OpenAPI document live under the prefix as well.
    expectError(await host.inject({ method: 'GET', url: `${PREFIX}/api/auth/verify` }), 401, 'unauthenticated');
    const doc = (await host.inject({ method: 'GET', url: `${PREFIX}/api/openapi.json` })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toContain(`${PREFIX}/api/auth/verify`);
    expect(Object.keys(doc.paths).every((p) => p.startsWith(`${PREFIX}/`))).toBe(true);
  });
});

describe('mounting next to plugins the host already has', () => {
  it('a host that registered @fastify/cookie itself (and its own 404 handler) mounts Gatehouse at the root', async () => {
    const t = await buildTestApp();
    const host = await buildHost(t, {
      mount: { webUi: false },
      async before(app) {
        await app.register(cookie);
        app.setNotFoundHandler((_request, reply) => reply.code(404).send({ hostNotFound: true }));
      },
      after(app) {
        app.get('/dashboard', { preHandler: app.gatehouse.requireSession() }, (request) => ({ email: request.user?.email, cookies: Object.keys(request.cookies) }));
      },
    });
    try {
      const agent = hostAgent(t, host);
      const email = uniqueEmail('cookiehost');
      expect((await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'C' })).statusCode).toBe(201);
      const res = await agent.get('/dashboard');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ email, cookies: expect.arrayContaining(['gh_session', 'gh_csrf']) as unknown });
      // The host set its 404 handler first: it stays the host's.
      expect((await host.inject({ method: 'GET', url: '/nowhere' })).json()).toEqual({ hostNotFound: true });
    } finally {
      await host.close();
      await t.close();
    }
  });
});
