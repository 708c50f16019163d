import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { expectError, newUser } from '../core/support.js';
import { listUsers, me, newAdmin, newPlainUser, withAdminApp, type Person } from './admin-support.js';

const MINUTE = 60_000;

function token(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

describe('GET /api/admin/users', () => {
  let t: TestApp;
  let admin: Person;
  withAdminApp((app, a) => {
    t = app;
    admin = a;
  }, { name: 'Site Admin' });

  it('each user carries id, email, name, role, disabled, emailVerified, organization, createdAt, lastActiveAt', async () => {
    const tag = token();
    const created = t.clock.now();
    const u = await newPlainUser(t, { name: `Ada ${tag}`, organizationName: `Org ${tag}` });
    t.clock.advance(5 * MINUTE);
    await me(u.agent); // an authenticated request more than a minute later moves lastActiveAt
    const body = await listUsers(admin.agent, `?q=${tag}`);
    expect(body).toMatchObject({ page: 1, total: 1 });
    expect(body.users).toHaveLength(1);
    expect(body.users[0]).toEqual({
      id: u.id,
      email: u.email,
      name: `Ada ${tag}`,
      role: 'user',
      disabled: false,
      emailVerified: false,
      createdAt: new Date(created).toISOString(),
      lastActiveAt: new Date(t.clock.now()).toISOString(),
      organization: { id: u.orgId, name: `Org ${tag}`, role: 'owner' },
      mfa: { totp: false, passkeys: 0 },
    });
    const adminView = (await listUsers(admin.agent, `?q=${encodeURIComponent(admin.email)}`)).users[0];
    expect(adminView).toMatchObject({ id: admin.id, role: 'admin', disabled: false });
    // No secret ever appears in the listing.
    const raw = (await admin.agent.get(`/api/admin/users?q=${tag}`)).body;
    expect(raw).not.toMatch(/password|hash|argon/i);
  });

  it('q is a case-insensitive substring of the email or of the name', async () => {
    const tag = token();
    const byName = await newPlainUser(t, { name: `Grace ${tag.toUpperCase()} Hopper` });
    const byEmail = await newPlainUser(t, { email: `${tag}.mail@example.test`, name: 'Nobody Special' });
    const other = await newPlainUser(t, { name: 'Unrelated Person' });
    for (const q of [tag, tag.toUpperCase(), tag.slice(2, 9)]) {
      const ids = (await listUsers(admin.agent, `?q=${encodeURIComponent(q)}`)).users.map((x) => x.id).sort();
      expect(ids).toEqual([byName.id, byEmail.id].sort());
    }
    expect((await listUsers(admin.agent, `?q=${encodeURIComponent(`${tag}.MAIL@EXAMPLE`)}`)).users.map((x) => x.id)).toEqual([byEmail.id]);
    expect((await listUsers(admin.agent, `?q=${encodeURIComponent(`grace ${tag} hop`)}`)).users.map((x) => x.id)).toEqual([byName.id]);
    expect((await listUsers(admin.agent, `?q=${encodeURIComponent(`${tag}-nothing`)}`))).toMatchObject({ users: [], total: 0 });
    // An empty q lists everybody.
    const all = await listUsers(admin.agent, '?q=&page=1');
    expect(all.total).toBeGreaterThanOrEqual(4);
    const everyone = await listUsers(admin.agent, '');
    expect(everyone.total).toBe(all.total);
    expect(other.id).toBeTruthy();
  });

  it('LIKE wildcards in q are literal: % and _ match only themselves', async () => {
    const tag = token();
    const pct = await newPlainUser(t, { name: `${tag} 100% sure` });
    const und = await newPlainUser(t, { name: `${tag} snake_case` });
    const bs = await newPlainUser(t, { name: `${tag} back\\slash` });
    await newPlainUser(t, { name: `${tag} plain 100 sure` });
    await newPlainUser(t, { name: `${tag} snakeXcase` });
    const find = async (q: string): Promise<string[]> => (await listUsers(admin.agent, `?q=${encodeURIComponent(q)}`)).users.map((x) => x.id);
    expect(await find(`${tag} 100%`)).toEqual([pct.id]);
    expect(await find('0% s')).toEqual([pct.id]);
    expect(await find(`${tag} snake_case`)).toEqual([und.id]);
    expect(await find(`${tag} %`)).toEqual([]);
    expect(await find(`${tag}_`)).toEqual([]);
    expect(await find(`${tag} back\\slash`)).toEqual([bs.id]);
    // A lone wildcard is not "everything".
    const everyone = (await listUsers(admin.agent, '')).total;
    expect((await listUsers(admin.agent, '?q=%25')).total).toBeLessThan(everyone);
    expect((await listUsers(admin.agent, '?q=_')).total).toBeLessThan(everyone);
  });

  it('paginates: pageSize, total, page 2 continues where page 1 stopped, past the end is empty', async () => {
    const tag = token();
    const ids: string[] = [];
    for (let i = 0; i < 23; i += 1) {
      ids.push((await newUser(t, { name: `${tag} n${String(i)}` })).id);
      t.clock.advance(1000);
    }
    const p1 = await listUsers(admin.agent, `?q=${tag}`);
    expect(p1.page).toBe(1);
    expect(p1.total).toBe(23);
    expect(p1.pageSize).toBeGreaterThan(0);
    expect(p1.pageSize).toBeLessThan(23);
    expect(p1.users).toHaveLength(p1.pageSize);
    const p2 = await listUsers(admin.agent, `?q=${tag}&page=2`);
    expect(p2).toMatchObject({ page: 2, pageSize: p1.pageSize, total: 23 });
    expect(p2.users).toHaveLength(Math.min(p1.pageSize, 23 - p1.pageSize));
    const seen = [...p1.users, ...p2.users].map((u) => u.id);
    expect(new Set(seen).size).toBe(seen.length);
    if (p1.pageSize * 2 >= 23) expect(seen.sort()).toEqual([...ids].sort());
    const last = Math.ceil(23 / p1.pageSize);
    const beyond = await listUsers(admin.agent, `?q=${tag}&page=${String(last + 1)}`);
    expect(beyond).toMatchObject({ users: [], total: 23, page: last + 1 });
    // Stable order: asking again gives the same page.
    expect((await listUsers(admin.agent, `?q=${tag}&page=2`)).users.map((u) => u.id)).toEqual(p2.users.map((u) => u.id));
  });

  it('a bad page → 400 invalid_request (0, -1, abc, 1.5, 1e2, repeated)', async () => {
    for (const page of ['0', '-1', 'abc', '1.5', '1e2', '+1', ' 1', '0x1']) {
      expectError(await admin.agent.get(`/api/admin/users?page=${encodeURIComponent(page)}`), 400, 'invalid_request');
    }
    expectError(await admin.agent.get('/api/admin/users?page=1&page=2'), 400, 'invalid_request');
    expectError(await admin.agent.get('/api/admin/users?sort=email'), 400, 'invalid_request');
    // An empty page (as in the contract's `?q=&page=`) is the first page.
    expect((await listUsers(admin.agent, '?q=&page=')).page).toBe(1);
  });

  it("an impersonation does not count as the user's own activity in lastActiveAt", async () => {
    const tag = token();
    const u = await newPlainUser(t, { name: `Quiet ${tag}` });
    const before = (await listUsers(admin.agent, `?q=${tag}`)).users[0]?.lastActiveAt;
    expect(before).toBe(new Date(t.clock.now()).toISOString());
    const a2 = await newAdmin(t);
    t.clock.advance(10 * MINUTE);
    expect((await a2.agent.post('/api/admin/impersonate', { userId: u.id })).statusCode).toBe(200);
    t.clock.advance(2 * MINUTE);
    expect((await me(a2.agent)).user.id).toBe(u.id);
    expect((await listUsers(admin.agent, `?q=${tag}`)).users[0]?.lastActiveAt).toBe(before);
  });
});
