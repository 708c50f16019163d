import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, buildTestApp, type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { eventCount, impersonate, liveSessionIds, me, newAdmin, newPlainUser, setRole, userRow, type Person } from './admin-support.js';

type Call = (agent: Agent, targetId: string) => Promise<LightMyRequestResponse>;

/** Every admin route except stop, each with a request that an admin would get a 2xx for. */
const ADMIN_CALLS: Record<string, Call> = {
  'GET /api/admin/users': (a) => a.get('/api/admin/users?q=&page=1'),
  'PATCH /api/admin/users/:id (disable)': (a, id) => a.patch(`/api/admin/users/${id}`, { disabled: true }),
  'PATCH /api/admin/users/:id (promote)': (a, id) => a.patch(`/api/admin/users/${id}`, { role: 'admin' }),
  'DELETE /api/admin/users/:id': (a, id) => a.delete(`/api/admin/users/${id}`),
  'POST /api/admin/impersonate': (a, id) => a.post('/api/admin/impersonate', { userId: id }),
  'GET /api/admin/security-events': (a, id) => a.get(`/api/admin/security-events?userId=${id}&page=1`),
};

interface World {
  target: Person;
  before: { row: Awaited<ReturnType<typeof userRow>>; sessions: string[]; events: number };
}

async function world(t: TestApp): Promise<World> {
  const target = await newPlainUser(t);
  return { target, before: { row: await userRow(t, target.id), sessions: await liveSessionIds(t, target.id), events: await eventCount(t) } };
}

/** The refused request left the target, its sessions and the audit log exactly as they were. */
async function expectUnchanged(t: TestApp, w: World): Promise<void> {
  expect(await userRow(t, w.target.id)).toEqual(w.before.row);
  expect(await liveSessionIds(t, w.target.id)).toEqual(w.before.sessions);
  expect(await eventCount(t)).toBe(w.before.events);
}

describe('admin routes are for site admins only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  for (const [name, call] of Object.entries(ADMIN_CALLS)) {
    it(`${name}: a plain user gets 403 forbidden and nothing changes`, async () => {
      const user = await newPlainUser(t);
      const w = await world(t);
      const res = await call(user.agent, w.target.id);
      expectError(res, 403, 'forbidden');
      // No cookie pair for anyone else was handed out.
      expect(res.cookies.filter((c) => c.value !== '')).toHaveLength(0);
      await expectUnchanged(t, w);
      expect((await me(user.agent)).user.id).toBe(user.id);
    });

    it(`${name}: without a session → 401 unauthenticated and nothing changes`, async () => {
      const w = await world(t);
      expectError(await call(new Agent(t), w.target.id), 401, 'unauthenticated');
      await expectUnchanged(t, w);
    });

    it(`${name}: an impersonation session gets 403 forbidden and nothing changes`, async () => {
      const admin = await newAdmin(t);
      const victim = await newPlainUser(t);
      await impersonate(admin.agent, victim.id);
      const w = await world(t);
      const res = await call(admin.agent, w.target.id);
      expectError(res, 403, 'forbidden');
      await expectUnchanged(t, w);
      const who = await me(admin.agent);
      expect(who.user.id).toBe(victim.id);
      expect(who.impersonator?.id).toBe(admin.id);
    });
  }

  it('authorization comes before validation: plain users and strangers learn nothing from a malformed request', async () => {
    const user = await newPlainUser(t);
    expectError(await user.agent.get('/api/admin/users?page=0'), 403, 'forbidden');
    expectError(await user.agent.patch('/api/admin/users/x', { disabled: 'yes', extra: 1 }), 403, 'forbidden');
    expectError(await user.agent.post('/api/admin/impersonate', {}), 403, 'forbidden');
    expectError(await new Agent(t).get('/api/admin/security-events?page=abc'), 401, 'unauthenticated');
    expectError(await new Agent(t).patch('/api/admin/users/x', { nope: true }), 401, 'unauthenticated');
  });

  it('admin writes need the CSRF header like every other write (403 csrf_failed, nothing changes)', async () => {
    const admin = await newAdmin(t);
    const w = await world(t);
    expectError(await admin.agent.patch(`/api/admin/users/${w.target.id}`, { disabled: true }, { noCsrf: true }), 403, 'csrf_failed');
    expectError(await admin.agent.delete(`/api/admin/users/${w.target.id}`, undefined, { noCsrf: true }), 403, 'csrf_failed');
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: w.target.id }, { noCsrf: true }), 403, 'csrf_failed');
    await expectUnchanged(t, w);
    expect((await me(admin.agent)).user.id).toBe(admin.id);
  });

  it('stop without an impersonation: 409 conflict for admins and plain users alike, cookies untouched', async () => {
    const admin = await newAdmin(t);
    const user = await newPlainUser(t);
    for (const p of [admin, user]) {
      const before = p.agent.sessionCookie;
      const res = await p.agent.post('/api/admin/impersonate/stop');
      expectError(res, 409, 'conflict');
      expect(res.cookies).toHaveLength(0);
      expect(p.agent.sessionCookie).toBe(before);
      expect((await me(p.agent)).user.id).toBe(p.id);
    }
    expectError(await new Agent(t).post('/api/admin/impersonate/stop'), 401, 'unauthenticated');
  });

  it('a demoted admin loses every admin route on the very next request', async () => {
    const admin = await newAdmin(t);
    const w = await world(t);
    expect((await admin.agent.get('/api/admin/users')).statusCode).toBe(200);
    await setRole(t, admin.id, 'user');
    for (const call of Object.values(ADMIN_CALLS)) expectError(await call(admin.agent, w.target.id), 403, 'forbidden');
    await expectUnchanged(t, w);
    // The session itself is still fine: only the power is gone.
    expect((await me(admin.agent)).user.role).toBe('user');
  });

  it('a demotion through the API by another admin is just as immediate', async () => {
    const a = await newAdmin(t);
    const b = await newAdmin(t);
    expect((await b.agent.get('/api/admin/users')).statusCode).toBe(200);
    const res = await a.agent.patch(`/api/admin/users/${b.id}`, { role: 'user' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: { role: string } }>().user.role).toBe('user');
    expectError(await b.agent.get('/api/admin/users'), 403, 'forbidden');
    expect((await userRow(t, b.id))?.role).toBe('user');
  });

  it('a promotion is just as immediate', async () => {
    const user = await newPlainUser(t);
    expectError(await user.agent.get('/api/admin/users'), 403, 'forbidden');
    await setRole(t, user.id, 'admin');
    expect((await user.agent.get('/api/admin/users')).statusCode).toBe(200);
  });

  describe('an admin can never lock themselves out (so the last admin stays)', () => {
    it('self-disable → 409 conflict; nothing changes', async () => {
      const admin = await newAdmin(t);
      const sessions = await liveSessionIds(t, admin.id);
      expectError(await admin.agent.patch(`/api/admin/users/${admin.id}`, { disabled: true }), 409, 'conflict');
      expect((await userRow(t, admin.id))?.disabled).toBe(0);
      expect(await liveSessionIds(t, admin.id)).toEqual(sessions);
      expect((await admin.agent.get('/api/admin/users')).statusCode).toBe(200);
    });

    it('self-demote → 409 conflict; nothing changes (also when combined with a harmless field)', async () => {
      const admin = await newAdmin(t);
      expectError(await admin.agent.patch(`/api/admin/users/${admin.id}`, { role: 'user' }), 409, 'conflict');
      expectError(await admin.agent.patch(`/api/admin/users/${admin.id}`, { role: 'user', disabled: false }), 409, 'conflict');
      expect((await userRow(t, admin.id))?.role).toBe('admin');
      expect((await admin.agent.get('/api/admin/users')).statusCode).toBe(200);
    });

    it('self-delete → 409 conflict; nothing changes', async () => {
      const admin = await newAdmin(t);
      const sessions = await liveSessionIds(t, admin.id);
      expectError(await admin.agent.delete(`/api/admin/users/${admin.id}`), 409, 'conflict');
      expect(await userRow(t, admin.id)).toBeDefined();
      expect(await liveSessionIds(t, admin.id)).toEqual(sessions);
    });

    it('no-op self patches are fine ({}, disabled:false, role:admin)', async () => {
      const admin = await newAdmin(t);
      for (const body of [{}, { disabled: false }, { role: 'admin' }]) {
        const res = await admin.agent.patch(`/api/admin/users/${admin.id}`, body);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<{ user: { role: string; disabled: boolean } }>().user).toMatchObject({ role: 'admin', disabled: false });
      }
    });
  });

  it('admin route bodies refuse unknown fields, wrong types and null (400); unknown ids → 404', async () => {
    const admin = await newAdmin(t);
    const w = await world(t);
    for (const body of [{ disabled: 'true' }, { disabled: null }, { role: 'owner' }, { email: 'x@example.test' }]) {
      expectError(await admin.agent.patch(`/api/admin/users/${w.target.id}`, body), 400, 'invalid_request');
    }
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: 7 }), 400, 'invalid_request');
    expectError(await admin.agent.patch('/api/admin/users/no-such-user', { disabled: true }), 404, 'not_found');
    expectError(await admin.agent.delete('/api/admin/users/no-such-user'), 404, 'not_found');
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: 'no-such-user' }), 404, 'not_found');
    await expectUnchanged(t, w);
  });
});
