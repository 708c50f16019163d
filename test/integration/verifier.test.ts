import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, type VerifyInput, type VerifyResult } from '../../src/integration/verifier.js';
import { STRONG_PASSWORD, TEST_ORIGIN, buildTestApp, registerUser, type Agent, type TestApp } from '../helpers/app.js';
import { impersonate, newAdmin } from '../admin/admin-support.js';

const MODES = ['database', 'http'] as const;

function cookieHeader(agent: Agent): string {
  return [...agent.jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function request(agent: Agent, method = 'GET', extra: Partial<VerifyInput> = {}): VerifyInput {
  return { cookie: cookieHeader(agent), method, ...extra };
}

function expectRefused(result: VerifyResult, status: number, code: string): void {
  expect(result).toEqual({ ok: false, status, code });
}

describe.each(MODES)('createVerifier (%s mode)', (mode) => {
  let t: TestApp;
  let verifier: Verifier;

  beforeAll(async () => {
    t = await buildTestApp();
    if (mode === 'database') {
      verifier = await createVerifier({ mode: 'database', config: t.config, db: t.db, clock: t.clock });
    } else {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      verifier = await createVerifier({ mode: 'http', url: `http://127.0.0.1:${String(address.port)}/` });
    }
  });
  afterAll(async () => {
    await verifier.close();
    await t.close();
  });

  it('no cookie, or a garbage cookie: 401 unauthenticated', async () => {
    expectRefused(await verifier.verifyRequest({ cookie: undefined, method: 'GET' }), 401, 'unauthenticated');
    expectRefused(await verifier.verifyRequest({ cookie: 'gh_session=not-a-token', method: 'GET' }), 401, 'unauthenticated');
  });

  it('signed in: the identity, with a non-ASCII email decoded', async () => {
    const u = await registerUser(t, { email: 'zoë.müller@example.test' });
    const result = await verifier.verifyRequest(request(u.agent));
    expect(result).toEqual({ ok: true, user: { id: u.id, email: 'zoë.müller@example.test', role: 'user', orgId: u.orgId, orgRole: 'owner' }, impersonatorId: null });
  });

  it('writes need the CSRF header matching the cookie and the signed claim, and a same-site Origin', async () => {
    const u = await registerUser(t);
    const csrf = u.agent.csrfCookie;
    expectRefused(await verifier.verifyRequest(request(u.agent, 'POST')), 403, 'csrf_failed');
    expectRefused(await verifier.verifyRequest(request(u.agent, 'delete', { csrfHeader: 'forged' })), 403, 'csrf_failed');
    // Any method that is not GET/HEAD/OPTIONS is a write (WebDAV, PURGE, …).
    expectRefused(await verifier.verifyRequest(request(u.agent, 'PROPPATCH')), 403, 'csrf_failed');
    expectRefused(await verifier.verifyRequest(request(u.agent, 'POST', { csrfHeader: csrf, origin: 'https://evil.example' })), 403, 'csrf_failed');
    expect((await verifier.verifyRequest(request(u.agent, 'POST', { csrfHeader: csrf }))).ok).toBe(true);
    expect((await verifier.verifyRequest(request(u.agent, 'PATCH', { csrfHeader: csrf, origin: TEST_ORIGIN }))).ok).toBe(true);
    // Reads never need it.
    expect((await verifier.verifyRequest(request(u.agent, 'HEAD'))).ok).toBe(true);
  });

  it('role and orgRole demands: 403 forbidden when not met', async () => {
    const u = await registerUser(t);
    expectRefused(await verifier.verifyRequest(request(u.agent), { role: 'admin' }), 403, 'forbidden');
    expect((await verifier.verifyRequest(request(u.agent), { orgRole: 'owner' })).ok).toBe(true);
    await t.db.kysely.updateTable('memberships').set({ role: 'member' }).where('user_id', '=', u.id).execute();
    expectRefused(await verifier.verifyRequest(request(u.agent), { orgRole: 'admin' }), 403, 'forbidden');
    const admin = await newAdmin(t);
    const ok = await verifier.verifyRequest(request(admin.agent), { role: 'admin' });
    expect(ok.ok && ok.user.role).toBe('admin');
  });

  it('a disabled user: 403 account_inactive; a revoked session: 401 on the very next call', async () => {
    const u = await registerUser(t);
    expect((await verifier.verifyRequest(request(u.agent))).ok).toBe(true);
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
    expectRefused(await verifier.verifyRequest(request(u.agent)), 403, 'account_inactive');

    const v = await registerUser(t);
    const saved = request(v.agent);
    expect((await verifier.verifyRequest(saved)).ok).toBe(true);
    expect((await v.agent.post('/api/auth/logout')).statusCode).toBe(204);
    expectRefused(await verifier.verifyRequest(saved), 401, 'unauthenticated');
  });

  it('while impersonating: the target’s identity and the admin’s id, and never admin power', async () => {
    const admin = await newAdmin(t);
    const target = await registerUser(t);
    await impersonate(admin.agent, target.id);
    const result = await verifier.verifyRequest(request(admin.agent));
    expect(result).toMatchObject({ ok: true, user: { id: target.id, email: target.email }, impersonatorId: admin.id });
    expectRefused(await verifier.verifyRequest(request(admin.agent), { role: 'admin' }), 403, 'forbidden');
  });

  it('a session signed with another secret is refused', async () => {
    const other = await buildTestApp({ env: { SESSION_SECRET: `${STRONG_PASSWORD}-another-secret-0123456789` } });
    try {
      const u = await registerUser(other);
      expectRefused(await verifier.verifyRequest(request(u.agent)), 401, 'unauthenticated');
    } finally {
      await other.close();
    }
  });
});

describe('createVerifier (http mode) when Gatehouse cannot answer', () => {
  it('is 503 unavailable, never a pass', async () => {
    const verifier = await createVerifier({ mode: 'http', url: 'http://127.0.0.1:9', timeoutMs: 2000 });
    expectRefused(await verifier.verifyRequest({ cookie: 'gh_session=x', method: 'GET' }), 503, 'unavailable');
  });
});
