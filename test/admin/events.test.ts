import { describe, expect, it } from 'vitest';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { impersonate, newAdmin, newPlainUser, signIn, withAdminApp, type EventView, type Person } from './admin-support.js';

interface EventPage {
  events: EventView[];
  page: number;
  pageSize: number;
  total: number;
}

async function search(admin: Agent, query: string): Promise<EventPage> {
  const res = await admin.get(`/api/admin/security-events${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<EventPage>();
}

describe('GET /api/admin/security-events', () => {
  let t: TestApp;
  let admin: Person;
  withAdminApp((app, a) => {
    t = app;
    admin = a;
  });

  it('events have the contract shape and are newest first', async () => {
    const u = await newPlainUser(t);
    await new Agent(t, '10.77.0.1').post('/api/auth/login', { email: u.email, password: 'definitely wrong pw' }, { headers: { 'user-agent': 'Probe/1' } });
    const body = await search(admin.agent, `?userId=${u.id}`);
    expect(body.page).toBe(1);
    expect(body.total).toBe(body.events.length);
    const failed = body.events.find((e) => e.type === 'login_failed');
    expect(failed).toBeDefined();
    expect(Object.keys(failed ?? {}).sort()).toEqual(['actor', 'at', 'id', 'ip', 'target', 'type', 'userAgent']);
    expect(failed).toMatchObject({ ip: '10.77.0.1', userAgent: 'Probe/1', target: { id: u.id, email: u.email } });
    expect(new Date(failed?.at ?? '').toISOString()).toBe(failed?.at);
    expect(body.events[0]?.type).toBe('login_failed');
    const raw = (await admin.agent.get(`/api/admin/security-events?userId=${u.id}`)).body;
    expect(raw).not.toContain('definitely wrong pw');
  });

  it('filters by userId: only events of that user, never anybody else’s', async () => {
    const a = await newPlainUser(t);
    const b = await newPlainUser(t);
    await signIn(t, a.email);
    await signIn(t, b.email);
    const forA = await search(admin.agent, `?userId=${a.id}`);
    expect(forA.total).toBeGreaterThanOrEqual(2);
    for (const e of forA.events) expect([e.actor?.id, e.target?.id]).toContain(a.id);
    expect(forA.events.some((e) => e.actor?.id === b.id || e.target?.id === b.id)).toBe(false);
    expect(await search(admin.agent, '?userId=nobody-at-all')).toMatchObject({ events: [], total: 0 });
  });

  it('filters by type, and by both together', async () => {
    const u = await newPlainUser(t);
    await signIn(t, u.email);
    await signIn(t, u.email);
    const logins = await search(admin.agent, '?type=login_succeeded');
    expect(logins.total).toBeGreaterThanOrEqual(2);
    for (const e of logins.events) expect(e.type).toBe('login_succeeded');
    const both = await search(admin.agent, `?userId=${u.id}&type=login_succeeded`);
    expect(both.total).toBe(2);
    for (const e of both.events) expect(e).toMatchObject({ type: 'login_succeeded', actor: { id: u.id }, target: { id: u.id } });
    expect(await search(admin.agent, '?type=no_such_type')).toMatchObject({ events: [], total: 0 });
    // Empty filters are no filters.
    expect((await search(admin.agent, '?userId=&type=&page=')).total).toBe((await search(admin.agent, '')).total);
  });

  it('paginates (pageSize, total, page 2 continues, past the end is empty)', async () => {
    const u = await newPlainUser(t);
    const n = 57;
    for (let i = 0; i < n; i += 1) {
      t.clock.advance(1000);
      await signIn(t, u.email);
    }
    const q = `?userId=${u.id}&type=login_succeeded`;
    const p1 = await search(admin.agent, q);
    expect(p1.total).toBe(n);
    expect(p1.pageSize).toBeGreaterThan(0);
    expect(p1.pageSize).toBeLessThan(n);
    expect(p1.events).toHaveLength(p1.pageSize);
    const pages = [p1];
    for (let p = 2; (p - 1) * p1.pageSize < n; p += 1) {
      const next = await search(admin.agent, `${q}&page=${String(p)}`);
      expect(next).toMatchObject({ page: p, pageSize: p1.pageSize, total: n });
      pages.push(next);
    }
    const all = pages.flatMap((p) => p.events);
    expect(all).toHaveLength(n);
    expect(new Set(all.map((e) => e.id)).size).toBe(n);
    const times = all.map((e) => Date.parse(e.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect((await search(admin.agent, `${q}&page=${String(pages.length + 1)}`)).events).toEqual([]);
  });

  it('a bad page → 400 invalid_request', async () => {
    for (const page of ['0', '-1', 'abc', '1.5']) {
      expectError(await admin.agent.get(`/api/admin/security-events?page=${page}`), 400, 'invalid_request');
    }
    expectError(await admin.agent.get('/api/admin/security-events?actor=x'), 400, 'invalid_request');
  });

  it('impersonation start/stop are findable by either party and type, naming actor = admin and target = user', async () => {
    const a2 = await newAdmin(t);
    const u = await newPlainUser(t);
    await impersonate(a2.agent, u.id);
    expect((await a2.agent.post('/api/admin/impersonate/stop')).statusCode).toBe(200);
    for (const who of [a2.id, u.id]) {
      for (const type of ['impersonation_started', 'impersonation_stopped']) {
        const found = await search(admin.agent, `?userId=${who}&type=${type}`);
        expect(found.total, `${type} for ${who}`).toBeGreaterThanOrEqual(1);
        for (const e of found.events) {
          expect(e.actor).toEqual({ id: a2.id, email: a2.email });
          expect(e.target).toEqual({ id: u.id, email: u.email });
        }
      }
    }
  });
});
