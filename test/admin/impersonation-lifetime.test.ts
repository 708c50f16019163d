import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { expectCookiesCleared, expectError } from '../core/support.js';
import { agentWith, impersonate, liveSessionIds, me, newAdmin, newPlainUser, setRole, signIn, snapshot, startedImpersonation } from './admin-support.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface DeviceView {
  id: string;
  current: boolean;
  impersonation?: boolean;
}

async function devices(agent: Agent): Promise<DeviceView[]> {
  const res = await agent.get('/api/sessions');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ sessions: DeviceView[] }>().sessions;
}

describe('impersonation: how long it lives', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('expiry at IMPERSONATION_TTL', () => {
    it('default 30m: works just before, 401 (cookies cleared) just after', async () => {
      const { admin, target } = await startedImpersonation(t);
      t.clock.advance(30 * MINUTE - SECOND);
      expect((await me(admin.agent)).user.id).toBe(target.id);
      t.clock.advance(2 * SECOND);
      const res = await admin.agent.get('/api/auth/me');
      expectError(res, 401, 'unauthenticated');
      expectCookiesCleared(res);
      // The target's own session is not affected.
      expect((await me(target.agent)).user.id).toBe(target.id);
    });

    it('IMPERSONATION_TTL=10m is honoured, however active the impersonation is', async () => {
      const t2 = await buildTestApp({ env: { IMPERSONATION_TTL: '10m' } });
      try {
        const admin = await newAdmin(t2);
        const target = await newPlainUser(t2);
        const adminJar = snapshot(admin.agent);
        await impersonate(admin.agent, target.id);
        for (let i = 0; i < 9; i += 1) {
          t2.clock.advance(MINUTE);
          expect((await admin.agent.get('/api/auth/me')).statusCode).toBe(200);
        }
        t2.clock.advance(MINUTE - SECOND);
        expect((await admin.agent.get('/api/auth/me')).statusCode).toBe(200);
        t2.clock.advance(2 * SECOND);
        expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
        // The admin's own session was never the impersonation's: it still works.
        expect((await me(agentWith(t2, adminJar))).user.id).toBe(admin.id);
      } finally {
        await t2.close();
      }
    });
  });

  describe('the impersonation ends with the admin', () => {
    it('admin disabled by another admin → the impersonation session gets 401 on its next request', async () => {
      const { admin, target } = await startedImpersonation(t);
      const other = await newAdmin(t);
      expect((await other.agent.patch(`/api/admin/users/${admin.id}`, { disabled: true })).statusCode).toBe(200);
      const res = await admin.agent.get('/api/auth/me');
      expectError(res, 401, 'unauthenticated');
      expectCookiesCleared(res);
      expect((await me(target.agent)).user.id).toBe(target.id);
    });

    it('admin disabled (flag only, sessions untouched) → 401 as well', async () => {
      const { admin } = await startedImpersonation(t);
      await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', admin.id).execute();
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
    });

    it('admin demoted (in the database) → 401 on the next request, and stop is no way back to admin powers', async () => {
      const { admin, adminJar } = await startedImpersonation(t);
      await setRole(t, admin.id, 'user');
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
      expectError(await agentWith(t, adminJar).get('/api/admin/users'), 403, 'forbidden');
    });

    it('admin demoted through the API → 401 on the next request', async () => {
      const { admin } = await startedImpersonation(t);
      const other = await newAdmin(t);
      expect((await other.agent.patch(`/api/admin/users/${admin.id}`, { role: 'user' })).statusCode).toBe(200);
      expectError(await admin.agent.get('/api/sessions'), 401, 'unauthenticated');
    });

    it("admin logs out (their own session) → 401 on the impersonation's next request", async () => {
      const { admin, adminJar } = await startedImpersonation(t);
      const own = agentWith(t, adminJar);
      expect((await own.post('/api/auth/logout')).statusCode).toBe(204);
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
    });

    it("admin's own session revoked from another device → 401", async () => {
      const { admin, adminSessionId } = await startedImpersonation(t);
      const elsewhere = await signIn(t, admin.email);
      expect((await elsewhere.delete(`/api/sessions/${adminSessionId}`)).statusCode).toBe(204);
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
    });

    it('the target being promoted to admin ends it (admins cannot be impersonated)', async () => {
      const { admin, target } = await startedImpersonation(t);
      const other = await newAdmin(t);
      expect((await other.agent.patch(`/api/admin/users/${target.id}`, { role: 'admin' })).statusCode).toBe(200);
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
      expect((await me(target.agent)).user.role).toBe('admin');
    });

    it('the target being disabled → 403 account_inactive like any of their sessions', async () => {
      const { admin, target } = await startedImpersonation(t);
      const other = await newAdmin(t);
      expect((await other.agent.patch(`/api/admin/users/${target.id}`, { disabled: true })).statusCode).toBe(200);
      expectError(await admin.agent.get('/api/auth/me'), 403, 'account_inactive');
    });
  });

  describe("the target's sessions", () => {
    it('an impersonation neither counts toward nor evicts MAX_SESSIONS, and shows in the devices list as such', async () => {
      const admin = await newAdmin(t);
      const target = await newPlainUser(t);
      const agents = [target.agent];
      for (let i = 0; i < 4; i += 1) agents.push(await signIn(t, target.email));
      expect(await liveSessionIds(t, target.id)).toHaveLength(5);
      await impersonate(admin.agent, target.id);
      for (const a of agents) expect((await me(a)).user.id).toBe(target.id);
      expect(await liveSessionIds(t, target.id)).toHaveLength(6);

      const list = await devices(target.agent);
      expect(list).toHaveLength(6);
      const impId = (await me(admin.agent)).session.id;
      expect(list.filter((d) => d.impersonation === true).map((d) => d.id)).toEqual([impId]);
      expect(list.filter((d) => d.impersonation === false)).toHaveLength(5);

      // A sixth login of the user evicts one of the user's own sessions, never the impersonation.
      const sixth = await signIn(t, target.email);
      expect((await me(sixth)).user.id).toBe(target.id);
      expect((await me(admin.agent)).impersonator?.id).toBe(admin.id);
      let alive = 0;
      for (const a of agents) if ((await a.get('/api/auth/me')).statusCode === 200) alive += 1;
      expect(alive).toBe(4);
    });

    it('the user can end an impersonation from their devices list', async () => {
      const { admin, target } = await startedImpersonation(t);
      const impId = (await me(admin.agent)).session.id;
      expect((await target.agent.delete(`/api/sessions/${impId}`)).statusCode).toBe(204);
      expectError(await admin.agent.get('/api/auth/me'), 401, 'unauthenticated');
    });
  });
});
