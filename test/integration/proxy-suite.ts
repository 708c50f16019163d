import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { cookieHeader, cookiesFrom, freePort, send, startUpstream, type Answer, type RunningProxy, type Seen } from './proxy-support.js';

/** Starts the proxy on `listen`, in front of Gatehouse and the app, with the documented configuration. */
export type StartProxy = (ports: { listen: number; gatehouse: number; app: number }) => Promise<RunningProxy>;

const IDENTITY = ['x-gatehouse-user-id', 'x-gatehouse-email', 'x-gatehouse-role', 'x-gatehouse-org-id', 'x-gatehouse-org-role', 'x-gatehouse-impersonator-id'];

interface Person {
  readonly id: string;
  readonly email: string;
  readonly orgId: string;
  readonly jar: Record<string, string>;
}

/**
 * The documented reverse-proxy setup, end to end: a real proxy in front of a recording app and a
 * listening Gatehouse. `checkLocation`: a path that only the proxy itself may call (nginx).
 */
export function proxySuite(title: string, skip: boolean, start: StartProxy, checkLocation?: string): void {
describe.skipIf(skip)(title, () => {
  let t: TestApp;
  let proxy: RunningProxy;
  let upstream: { server: Server; port: number; seen: Seen[] };

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no Gatehouse port');
    upstream = await startUpstream();
    const listen = await freePort();
    proxy = await start({ listen, gatehouse: address.port, app: upstream.port });
  });
  afterAll(async () => {
    // Each part only if it started: a failed start must still leave nothing running.
    await (proxy as RunningProxy | undefined)?.stop();
    const server = (upstream as typeof upstream | undefined)?.server;
    if (server !== undefined) {
      await new Promise((resolve) => {
        server.close(resolve);
      });
    }
    await (t as TestApp | undefined)?.close();
  });

  function get(path: string, jar: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Answer> {
    return send(proxy.port, 'GET', path, { ...(Object.keys(jar).length > 0 ? { cookie: cookieHeader(jar) } : {}), ...headers });
  }
  function write(method: string, path: string, jar: Record<string, string>, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return send(proxy.port, method, path, { cookie: cookieHeader(jar), 'content-type': 'application/json', ...headers }, JSON.stringify(body));
  }
  function withCsrf(jar: Record<string, string>): Record<string, string> {
    return { 'x-csrf-token': jar.gh_csrf ?? '' };
  }

  /** Registers through nginx (Gatehouse's own location) like a browser on the app's origin. */
  async function signUp(email = uniqueEmail('nginx')): Promise<Person> {
    const res = await send(proxy.port, 'POST', '/api/auth/register', { 'content-type': 'application/json' }, JSON.stringify({ email, password: STRONG_PASSWORD, name: 'Proxy User' }));
    expect(res.status, res.body).toBe(201);
    const user = (JSON.parse(res.body) as { user: { id: string; email: string; organization: { id: string } } }).user;
    return { id: user.id, email: user.email, orgId: user.organization.id, jar: cookiesFrom(res) };
  }

  async function signIn(email: string): Promise<Record<string, string>> {
    const res = await send(proxy.port, 'POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ email, password: STRONG_PASSWORD }));
    expect(res.status, res.body).toBe(200);
    return cookiesFrom(res);
  }

  function lastSeen(): Seen | undefined {
    return upstream.seen.at(-1);
  }

  it('signed out: 401 reaches the client and the app is never called', async () => {
    const before = upstream.seen.length;
    expect((await get('/dashboard')).status).toBe(401);
    expect((await get('/dashboard', { gh_session: 'not-a-token' })).status).toBe(401);
    expect((await write('POST', '/things', {}, { a: 1 })).status).toBe(401);
    expect(upstream.seen.length).toBe(before);
  });

  it('signed in: the app sees the identity headers from Gatehouse (email percent-encoded)', async () => {
    const u = await signUp('zoë.proxy@example.test');
    const res = await get('/dashboard?tab=1', u.jar);
    expect(res.status, await proxy.errorLog()).toBe(200);
    expect(res.body).toBe('{"app":true}');
    const seen = lastSeen();
    expect(seen?.url).toBe('/dashboard?tab=1');
    expect(seen?.headers['x-gatehouse-user-id']).toBe(u.id);
    expect(seen?.headers['x-gatehouse-email']).toBe('zo%C3%AB.proxy@example.test');
    expect(decodeURIComponent(String(seen?.headers['x-gatehouse-email']))).toBe('zoë.proxy@example.test');
    expect(seen?.headers['x-gatehouse-role']).toBe('user');
    expect(seen?.headers['x-gatehouse-org-id']).toBe(u.orgId);
    expect(seen?.headers['x-gatehouse-org-role']).toBe('owner');
    expect(seen?.headers['x-gatehouse-impersonator-id']).toBeUndefined();
  });

  it('identity headers a client forges never reach the app', async () => {
    const u = await signUp();
    const forged = {
      'X-Gatehouse-User-Id': 'attacker',
      'x-gatehouse-email': 'ceo@example.test',
      'X-GATEHOUSE-ROLE': 'admin',
      'X-Gatehouse-Org-Id': 'other-org',
      'X-Gatehouse-Org-Role': 'owner',
      'X-Gatehouse-Impersonator-Id': 'someone',
    };
    expect((await get('/dashboard', u.jar, forged)).status).toBe(200);
    const seen = lastSeen();
    expect(seen?.headers['x-gatehouse-user-id']).toBe(u.id);
    expect(seen?.headers['x-gatehouse-email']).toBe(u.email);
    expect(seen?.headers['x-gatehouse-role']).toBe('user');
    expect(seen?.headers['x-gatehouse-org-id']).toBe(u.orgId);
    expect(seen?.headers['x-gatehouse-impersonator-id']).toBeUndefined();
    expect(JSON.stringify(seen?.headers)).not.toMatch(/attacker|ceo@|other-org|someone/);
    // Signed out, the forgery gets nowhere at all.
    const before = upstream.seen.length;
    expect((await get('/dashboard', {}, forged)).status).toBe(401);
    expect(upstream.seen.length).toBe(before);
    for (const h of IDENTITY) expect(typeof seen?.headers[h] === 'string' || h === 'x-gatehouse-impersonator-id', h).toBe(true);
  });

  it('a write without the CSRF header is 403 and the app is never called; with it, the write goes through', async () => {
    const u = await signUp();
    const before = upstream.seen.length;
    expect((await write('POST', '/things', u.jar, { name: 'x' })).status).toBe(403);
    expect((await write('DELETE', '/things/1', u.jar, {}, { 'x-csrf-token': 'forged' })).status).toBe(403);
    // A client cannot launder the write by claiming the original method was a read.
    expect((await write('POST', '/things', u.jar, { name: 'x' }, { 'x-original-method': 'GET', 'x-forwarded-method': 'GET' })).status).toBe(403);
    // A cross-site write is refused even with the right token.
    expect((await write('PUT', '/things/1', u.jar, {}, { ...withCsrf(u.jar), origin: 'https://evil.example' })).status).toBe(403);
    expect(upstream.seen.length).toBe(before);

    const ok = await write('POST', '/things', u.jar, { name: 'x' }, withCsrf(u.jar));
    expect(ok.status).toBe(200);
    expect(lastSeen()).toMatchObject({ method: 'POST', url: '/things', body: '{"name":"x"}' });
    expect(lastSeen()?.headers['x-gatehouse-user-id']).toBe(u.id);
  });

  it('a revoked session gets 401 on the very next request', async () => {
    const u = await signUp();
    const other = await signIn(u.email);
    expect((await get('/dashboard', u.jar)).status).toBe(200);
    const me = await get('/api/auth/me', u.jar);
    const sessionId = (JSON.parse(me.body) as { session: { id: string } }).session.id;
    // Revoked from the user's other device, through the same proxy.
    expect((await write('DELETE', `/api/sessions/${sessionId}`, other, {}, withCsrf(other))).status).toBe(204);
    const before = upstream.seen.length;
    expect((await get('/dashboard', u.jar)).status).toBe(401);
    expect(upstream.seen.length).toBe(before);
    expect((await get('/dashboard', other)).status).toBe(200);
  });

  it('a disabled user gets 403 on the very next request', async () => {
    const u = await signUp();
    expect((await get('/dashboard', u.jar)).status).toBe(200);
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
    const before = upstream.seen.length;
    expect((await get('/dashboard', u.jar)).status).toBe(403);
    expect(upstream.seen.length).toBe(before);
  });

  it.skipIf(checkLocation === undefined)('the check location is internal: a client cannot call it through the proxy', async () => {
    const u = await signUp();
    expect((await get(checkLocation ?? '', u.jar)).status).toBe(404);
  });
});
}
