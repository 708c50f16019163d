import { describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { joinOrg, listUsers, liveSessionIds, me, newAdmin, newPlainUser, ownEvents, signIn, userRow, withAdminApp, type Person, type UserView } from './admin-support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('PATCH /api/admin/users/:id {disabled}', () => {
  let t: TestApp;
  let admin: Person;
  withAdminApp((app, a) => {
    t = app;
    admin = a;
  });

  it("disabling: the user's live cookies get 403 account_inactive on the very next request and every session is revoked", async () => {
    const u = await newPlainUser(t);
    const second = await signIn(t, u.email);
    expect((await liveSessionIds(t, u.id)).length).toBe(2);
    const res = await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: UserView }>().user).toMatchObject({ id: u.id, disabled: true, role: 'user' });
    expectError(await u.agent.get('/api/auth/me'), 403, 'account_inactive');
    expectError(await second.post('/api/sessions/revoke-others'), 403, 'account_inactive');
    expect(await liveSessionIds(t, u.id)).toEqual([]);
    expect((await userRow(t, u.id))?.disabled).toBe(1);
    // The right password does not get them back in.
    expectError(await new Agent(t).post('/api/auth/login', { email: u.email, password: STRONG_PASSWORD }), 403, 'account_inactive');
    // The listing shows it.
    const listed = (await listUsers(admin.agent, `?q=${encodeURIComponent(u.email)}`)).users[0];
    expect(listed?.disabled).toBe(true);
  });

  it('re-enabling lets them sign in again; the sessions killed by the disable stay dead', async () => {
    const u = await newPlainUser(t);
    expect((await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: true })).statusCode).toBe(200);
    const res = await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: UserView }>().user.disabled).toBe(false);
    expectError(await u.agent.get('/api/auth/me'), 401, 'unauthenticated');
    const again = await signIn(t, u.email);
    expect((await me(again)).user).toMatchObject({ id: u.id, disabled: false });
  });

  it('disable and enable are security events on both accounts, naming actor and target', async () => {
    const u = await newPlainUser(t);
    await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: true });
    await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: false });
    const mine = await ownEvents(admin.agent);
    const again = await signIn(t, u.email);
    const theirs = await ownEvents(again);
    for (const events of [mine, theirs]) {
      for (const type of ['user_disabled', 'user_enabled']) {
        const e = events.find((x) => x.type === type && x.target?.id === u.id);
        expect(e, type).toBeDefined();
        expect(e?.actor).toEqual({ id: admin.id, email: admin.email });
        expect(e?.target).toEqual({ id: u.id, email: u.email });
      }
    }
  });

  it('disabling an already disabled user changes nothing and records nothing new', async () => {
    const u = await newPlainUser(t);
    await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: true });
    const count = (await ownEvents(admin.agent)).filter((e) => e.type === 'user_disabled').length;
    const res = await admin.agent.patch(`/api/admin/users/${u.id}`, { disabled: true });
    expect(res.statusCode).toBe(200);
    expect((await ownEvents(admin.agent)).filter((e) => e.type === 'user_disabled').length).toBe(count);
  });

  it('an admin may disable another admin, who is locked out at once', async () => {
    const other = await newAdmin(t);
    expect((await admin.agent.patch(`/api/admin/users/${other.id}`, { disabled: true })).statusCode).toBe(200);
    expectError(await other.agent.get('/api/admin/users'), 403, 'account_inactive');
  });
});

describe('DELETE /api/admin/users/:id', () => {
  let t: TestApp;
  let admin: Person;
  withAdminApp((app, a) => {
    t = app;
    admin = a;
  });

  async function membership(userId: string): Promise<{ org_id: string; role: string } | undefined> {
    return t.db.kysely.selectFrom('memberships').select(['org_id', 'role']).where('user_id', '=', userId).executeTakeFirst();
  }
  async function orgExists(orgId: string): Promise<boolean> {
    return (await t.db.kysely.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst()) !== undefined;
  }

  it('removes the user, their sessions and membership; their sole-member organization goes too', async () => {
    const u = await newPlainUser(t);
    await signIn(t, u.email);
    const res = await admin.agent.delete(`/api/admin/users/${u.id}`);
    expect(res.statusCode, res.body).toBe(204);
    expect(await userRow(t, u.id)).toBeUndefined();
    expect(await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute()).toEqual([]);
    expect(await membership(u.id)).toBeUndefined();
    expect(await orgExists(u.orgId)).toBe(false);
    expectError(await u.agent.get('/api/auth/me'), 401, 'unauthenticated');
    expectError(await admin.agent.delete(`/api/admin/users/${u.id}`), 404, 'not_found');
    expect((await listUsers(admin.agent, `?q=${encodeURIComponent(u.email)}`)).total).toBe(0);
    const e = (await ownEvents(admin.agent)).find((x) => x.type === 'user_deleted' && x.target?.id === u.id);
    expect(e?.actor).toEqual({ id: admin.id, email: admin.email });
    // The address is free again.
    expect((await new Agent(t, '10.99.0.1').post('/api/auth/register', { email: u.email, password: STRONG_PASSWORD, name: 'Again' })).statusCode).toBe(201);
  });

  it("a last owner's organization is handed to the longest-standing org admin (before any member)", async () => {
    const owner = await newPlainUser(t);
    const oldMember = await newPlainUser(t);
    const firstAdmin = await newPlainUser(t);
    const laterAdmin = await newPlainUser(t);
    await joinOrg(t, owner, oldMember, 'member');
    t.clock.advance(HOUR);
    await joinOrg(t, owner, firstAdmin, 'admin');
    t.clock.advance(HOUR);
    await joinOrg(t, owner, laterAdmin, 'admin');
    expect((await admin.agent.delete(`/api/admin/users/${owner.id}`)).statusCode).toBe(204);
    expect(await orgExists(owner.orgId)).toBe(true);
    expect(await membership(firstAdmin.id)).toEqual({ org_id: owner.orgId, role: 'owner' });
    expect(await membership(laterAdmin.id)).toEqual({ org_id: owner.orgId, role: 'admin' });
    expect(await membership(oldMember.id)).toEqual({ org_id: owner.orgId, role: 'member' });
    expect((await me(firstAdmin.agent)).user.organization?.role).toBe('owner');
  });

  it('…and to the longest-standing member when there is no org admin', async () => {
    const owner = await newPlainUser(t);
    const first = await newPlainUser(t);
    const second = await newPlainUser(t);
    await joinOrg(t, owner, first, 'member');
    t.clock.advance(HOUR);
    await joinOrg(t, owner, second, 'member');
    expect((await admin.agent.delete(`/api/admin/users/${owner.id}`)).statusCode).toBe(204);
    expect(await membership(first.id)).toEqual({ org_id: owner.orgId, role: 'owner' });
    expect(await membership(second.id)).toEqual({ org_id: owner.orgId, role: 'member' });
  });

  it('deleting a plain member leaves the organization and its owner alone', async () => {
    const owner = await newPlainUser(t);
    const member = await newPlainUser(t);
    await joinOrg(t, owner, member, 'member');
    expect((await admin.agent.delete(`/api/admin/users/${member.id}`)).statusCode).toBe(204);
    expect(await membership(owner.id)).toEqual({ org_id: owner.orgId, role: 'owner' });
    const org = await owner.agent.get('/api/org');
    expect(org.json<{ members: { userId: string }[] }>().members.map((m) => m.userId)).toEqual([owner.id]);
  });

  it('an admin may delete another admin', async () => {
    const other = await newAdmin(t);
    expect((await admin.agent.delete(`/api/admin/users/${other.id}`)).statusCode).toBe(204);
    expectError(await other.agent.get('/api/admin/users'), 401, 'unauthenticated');
  });
});
