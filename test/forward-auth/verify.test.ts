import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, TEST_ORIGIN, buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { expectCookiesCleared, expectError, nextIp } from '../core/support.js';
import { agentWith, impersonate, joinOrg, newAdmin, newPlainUser, snapshot, type Person } from '../admin/admin-support.js';

const MINUTE = 60_000;
const IDENTITY = ['x-gatehouse-user-id', 'x-gatehouse-email', 'x-gatehouse-role', 'x-gatehouse-org-id', 'x-gatehouse-org-role', 'x-gatehouse-impersonator-id'];

function verify(agent: Agent, query = '', headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return agent.get(`/api/auth/verify${query}`, { headers });
}

/** The original request was a write: the proxy forwards its method, the browser's CSRF header and Origin. */
function verifyWrite(agent: Agent, extra: Record<string, string> = {}, methodHeader = 'x-forwarded-method', method = 'POST'): Promise<LightMyRequestResponse> {
  return verify(agent, '', { [methodHeader]: method, ...extra });
}

function csrfOf(agent: Agent): string {
  const v = agent.csrfCookie;
  if (v === undefined) throw new Error('no csrf cookie');
  return v;
}

/** A refusal carries no identity at all: nothing the proxy could pass on to the app. */
function expectNoIdentity(res: LightMyRequestResponse): void {
  for (const h of IDENTITY) expect(res.headers[h], h).toBeUndefined();
}

describe('GET /api/auth/verify (forward auth)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('signed in: 204, empty body, identity headers from the database', async () => {
    const u = await newPlainUser(t);
    const res = await verify(u.agent);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({
      'x-gatehouse-user-id': u.id,
      'x-gatehouse-email': u.email,
      'x-gatehouse-role': 'user',
      'x-gatehouse-org-id': u.orgId,
      'x-gatehouse-org-role': 'owner',
    });
    expect(res.headers['x-gatehouse-impersonator-id']).toBeUndefined();
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.cookies).toHaveLength(0);
  });

  it('identity headers a client sent itself are never echoed back as the answer', async () => {
    const u = await newPlainUser(t);
    const res = await verify(u.agent, '', { 'x-gatehouse-user-id': 'forged', 'x-gatehouse-role': 'admin', 'x-gatehouse-impersonator-id': 'forged' });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-gatehouse-user-id']).toBe(u.id);
    expect(res.headers['x-gatehouse-role']).toBe('user');
    expect(res.headers['x-gatehouse-impersonator-id']).toBeUndefined();
    const anon = await verify(new Agent(t), '', { 'x-gatehouse-user-id': 'forged' });
    expectError(anon, 401, 'unauthenticated');
    expectNoIdentity(anon);
  });

  it('a site admin and an org member are described as such; role changes show on the next request', async () => {
    const admin = await newAdmin(t);
    expect((await verify(admin.agent)).headers['x-gatehouse-role']).toBe('admin');
    const owner = await newPlainUser(t);
    const member = await newPlainUser(t);
    await joinOrg(t, owner, member, 'member');
    const res = await verify(member.agent);
    expect(res.headers).toMatchObject({ 'x-gatehouse-org-id': owner.orgId, 'x-gatehouse-org-role': 'member' });
    await t.db.kysely.updateTable('memberships').set({ role: 'admin' }).where('user_id', '=', member.id).execute();
    expect((await verify(member.agent)).headers['x-gatehouse-org-role']).toBe('admin');
  });

  it('while impersonating: the target’s identity plus X-Gatehouse-Impersonator-Id', async () => {
    const admin = await newAdmin(t);
    const target = await newPlainUser(t);
    await impersonate(admin.agent, target.id);
    const res = await verify(admin.agent);
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'x-gatehouse-user-id': target.id,
      'x-gatehouse-email': target.email,
      'x-gatehouse-role': 'user',
      'x-gatehouse-impersonator-id': admin.id,
    });
    t.clock.advance(31 * MINUTE);
    expectError(await verify(admin.agent), 401, 'unauthenticated');
  });

  describe('refusals', () => {
    it('no cookie, a garbage cookie, or a token anywhere but the cookie → 401 unauthenticated', async () => {
      const u = await newPlainUser(t);
      expectError(await verify(new Agent(t)), 401, 'unauthenticated');
      const garbage = agentWith(t, new Map([['gh_session', 'not-a-token']]));
      expectError(await verify(garbage), 401, 'unauthenticated');
      const token = u.agent.sessionCookie ?? '';
      const bearer = await verify(new Agent(t), '', { authorization: `Bearer ${token}` });
      expectError(bearer, 401, 'unauthenticated');
      expectNoIdentity(bearer);
      expectError(await verify(new Agent(t), `?token=${encodeURIComponent(token)}`), 400, 'invalid_request');
    });

    it('a revoked session (logged out) → 401 on the very next request, cookies cleared', async () => {
      const u = await newPlainUser(t);
      const saved = snapshot(u.agent);
      expect((await verify(u.agent)).statusCode).toBe(204);
      expect((await u.agent.post('/api/auth/logout')).statusCode).toBe(204);
      const res = await verify(agentWith(t, saved));
      expectError(res, 401, 'unauthenticated');
      expectCookiesCleared(res);
      expectNoIdentity(res);
    });

    it('a disabled user → 403 account_inactive at once', async () => {
      const u = await newPlainUser(t);
      expect((await verify(u.agent)).statusCode).toBe(204);
      await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
      const res = await verify(u.agent);
      expectError(res, 403, 'account_inactive');
      expectNoIdentity(res);
    });

    it('a deleted user → 401', async () => {
      const admin = await newAdmin(t);
      const u = await newPlainUser(t);
      expect((await admin.agent.delete(`/api/admin/users/${u.id}`)).statusCode).toBe(204);
      expectError(await verify(u.agent), 401, 'unauthenticated');
    });
  });

  describe('CSRF for the original method', () => {
    for (const header of ['x-forwarded-method', 'x-original-method']) {
      it(`${header}: POST without X-CSRF-Token → 403 csrf_failed; with the right one → 204`, async () => {
        const u = await newPlainUser(t);
        const refused = await verifyWrite(u.agent, {}, header);
        expectError(refused, 403, 'csrf_failed');
        expectNoIdentity(refused);
        const ok = await verifyWrite(u.agent, { 'x-csrf-token': csrfOf(u.agent) }, header);
        expect(ok.statusCode, ok.body).toBe(204);
        expect(ok.headers['x-gatehouse-user-id']).toBe(u.id);
      });
    }

    it('every mutating method is checked, in any letter case', async () => {
      const u = await newPlainUser(t);
      for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'post', 'Delete']) {
        expectError(await verifyWrite(u.agent, {}, 'x-forwarded-method', m), 403, 'csrf_failed');
        expect((await verifyWrite(u.agent, { 'x-csrf-token': csrfOf(u.agent) }, 'x-forwarded-method', m)).statusCode).toBe(204);
      }
    });

    it('methods outside GET/HEAD/OPTIONS (e.g. WebDAV, PURGE) are treated as writes too', async () => {
      const u = await newPlainUser(t);
      for (const m of ['MKCOL', 'PURGE', 'PROPPATCH']) expectError(await verifyWrite(u.agent, {}, 'x-forwarded-method', m), 403, 'csrf_failed');
    });

    it('safe original methods need no CSRF header', async () => {
      const u = await newPlainUser(t);
      for (const m of ['GET', 'HEAD', 'OPTIONS']) expect((await verifyWrite(u.agent, {}, 'x-forwarded-method', m)).statusCode).toBe(204);
    });

    it('a client cannot launder a write by adding a second method header claiming GET', async () => {
      const u = await newPlainUser(t);
      expectError(await verify(u.agent, '', { 'x-original-method': 'POST', 'x-forwarded-method': 'GET' }), 403, 'csrf_failed');
      expectError(await verify(u.agent, '', { 'x-forwarded-method': 'POST', 'x-original-method': 'GET' }), 403, 'csrf_failed');
    });

    it('a wrong CSRF value (another session’s, or the cookie without the header) → 403 csrf_failed', async () => {
      const u = await newPlainUser(t);
      const other = await newPlainUser(t);
      expectError(await verifyWrite(u.agent, { 'x-csrf-token': csrfOf(other.agent) }), 403, 'csrf_failed');
      expectError(await verifyWrite(u.agent, { 'x-csrf-token': '' }), 403, 'csrf_failed');
      // Header and cookie agree, but neither is the value signed into this session token.
      const forged = 'forged-csrf-value-0123456789';
      const res = await u.agent.get('/api/auth/verify', { headers: { 'x-forwarded-method': 'POST', 'x-csrf-token': forged }, cookies: { gh_csrf: forged } });
      expectError(res, 403, 'csrf_failed');
    });

    it('a foreign Origin on a write → 403 csrf_failed even with the right token; our own Origin is fine', async () => {
      const u = await newPlainUser(t);
      const token = csrfOf(u.agent);
      for (const origin of ['https://evil.example', 'null', 'http://localhost:3000.evil.example', 'http://localhost:3001']) {
        expectError(await verifyWrite(u.agent, { 'x-csrf-token': token, origin }), 403, 'csrf_failed');
      }
      expect((await verifyWrite(u.agent, { 'x-csrf-token': token, origin: TEST_ORIGIN })).statusCode).toBe(204);
      // Reads are not writes: a cross-site GET is still answered (no state changes on GET).
      expect((await verify(u.agent, '', { origin: 'https://evil.example' })).statusCode).toBe(204);
    });

    it('a write from a signed-out client is 401 or 403, never 204', async () => {
      const res = await verifyWrite(new Agent(t), { 'x-csrf-token': 'x' });
      expect([401, 403]).toContain(res.statusCode);
      expectNoIdentity(res);
    });
  });

  describe('?role= and ?orgRole= demand more', () => {
    let admin: Person;
    let owner: Person;
    let orgAdmin: Person;
    let member: Person;
    beforeAll(async () => {
      admin = await newAdmin(t);
      owner = await newPlainUser(t);
      orgAdmin = await newPlainUser(t);
      member = await newPlainUser(t);
      await joinOrg(t, owner, orgAdmin, 'admin');
      await joinOrg(t, owner, member, 'member');
    });

    it('?role=admin: site admins pass, everyone else → 403 forbidden', async () => {
      expect((await verify(admin.agent, '?role=admin')).statusCode).toBe(204);
      for (const p of [owner, orgAdmin, member]) {
        const res = await verify(p.agent, '?role=admin');
        expectError(res, 403, 'forbidden');
        expectNoIdentity(res);
      }
      expectError(await verify(new Agent(t), '?role=admin'), 401, 'unauthenticated');
    });

    it('?orgRole=owner: only owners; ?orgRole=admin: owners and org admins', async () => {
      expect((await verify(owner.agent, '?orgRole=owner')).statusCode).toBe(204);
      expectError(await verify(orgAdmin.agent, '?orgRole=owner'), 403, 'forbidden');
      expectError(await verify(member.agent, '?orgRole=owner'), 403, 'forbidden');
      expect((await verify(owner.agent, '?orgRole=admin')).statusCode).toBe(204);
      expect((await verify(orgAdmin.agent, '?orgRole=admin')).statusCode).toBe(204);
      expectError(await verify(member.agent, '?orgRole=admin'), 403, 'forbidden');
      // Site admin is no org role: an admin who is a member elsewhere is refused too.
      const siteAdminMember = await newAdmin(t);
      await joinOrg(t, owner, siteAdminMember, 'member');
      expectError(await verify(siteAdminMember.agent, '?orgRole=admin'), 403, 'forbidden');
    });

    it('both together must both hold', async () => {
      expectError(await verify(owner.agent, '?role=admin&orgRole=owner'), 403, 'forbidden');
      expect((await verify(admin.agent, '?role=admin&orgRole=owner')).statusCode).toBe(204);
    });

    it('an impersonating admin never satisfies ?role=admin', async () => {
      const a = await newAdmin(t);
      const target = await newPlainUser(t);
      await impersonate(a.agent, target.id);
      expectError(await verify(a.agent, '?role=admin'), 403, 'forbidden');
      expect((await verify(a.agent, '?orgRole=owner')).statusCode).toBe(204);
    });

    it('a demotion shows on the very next request', async () => {
      const a = await newAdmin(t);
      expect((await verify(a.agent, '?role=admin')).statusCode).toBe(204);
      await t.db.kysely.updateTable('users').set({ role: 'user' }).where('id', '=', a.id).execute();
      expectError(await verify(a.agent, '?role=admin'), 403, 'forbidden');
    });

    it('unknown requirement values → 400 invalid_request', async () => {
      for (const q of ['?role=root', '?orgRole=king', '?orgRole=']) expectError(await verify(owner.agent, q), 400, 'invalid_request');
    });
  });

  it('non-ASCII addresses still produce a valid header (percent-encoded UTF-8)', async () => {
    const { agent, id } = await registerUser(t, { email: 'josé.müller@exämple.test', password: STRONG_PASSWORD }, nextIp());
    const res = await verify(agent);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.headers['x-gatehouse-user-id']).toBe(id);
    const header = String(res.headers['x-gatehouse-email']);
    expect(header).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeURIComponent(header)).toBe('josé.müller@exämple.test');
  });
});
