import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp, buildTestApp } from '../helpers/app.js';
import { expectError, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { newAdmin, newPlainUser, userRow, type AdminUserView, type EventView, type Person } from '../admin/admin-support.js';
import { STRONG_PASSWORD } from '../helpers/app.js';
import { enrollPasskey, enrollTotp, expectSignedIn, factorRows, loginWithTotp, mailsTo, me, mfaState, ok, passwordless } from './support.js';

type MfaAdminView = AdminUserView & { mfa: { totp: boolean; passkeys: number } };

function withPassword(p: Person): { agent: Agent; password: string } {
  return { agent: p.agent, password: STRONG_PASSWORD };
}

async function adminView(admin: Agent, email: string): Promise<MfaAdminView> {
  const res = await admin.get(`/api/admin/users?q=${encodeURIComponent(email)}`);
  ok(res);
  const users = res.json<{ users: MfaAdminView[] }>().users;
  expect(users).toHaveLength(1);
  return users[0]!;
}

describe('ADMIN_REQUIRE_MFA=true', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  }, { env: { ADMIN_REQUIRE_MFA: 'true' } });

  it('an admin without a second factor gets 403 mfa_required on /api/admin/*, and nothing changes', async () => {
    const admin = await newAdmin(t);
    const target = await newPlainUser(t);
    expectError(await admin.agent.get('/api/admin/users'), 403, 'mfa_required');
    expectError(await admin.agent.get('/api/admin/security-events'), 403, 'mfa_required');
    expectError(await admin.agent.patch(`/api/admin/users/${target.id}`, { disabled: true }), 403, 'mfa_required');
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: target.id }), 403, 'mfa_required');
    expect((await userRow(t, target.id))?.disabled).toBe(0);
    expect((await me(admin.agent)).mfa).toEqual({ enabled: false, setupRequired: true, requiredBy: 'admin' });
    // Only the admin area is closed: the rest of the account, and setting a factor up, work.
    ok(await admin.agent.get('/api/org'));
    ok(await admin.agent.get('/api/mfa'));
  });

  it('after enrolling, admin routes open; impersonation needs a session made with the second factor', async () => {
    const admin = await newAdmin(t);
    const target = await newPlainUser(t);
    const { secret } = await enrollTotp(t, withPassword(admin));
    expect((await me(admin.agent)).mfa).toEqual({ enabled: true, setupRequired: false, requiredBy: null });
    ok(await admin.agent.get('/api/admin/users'));
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: target.id }), 403, 'mfa_required');
    const strong = await loginWithTotp(t, admin.email, STRONG_PASSWORD, secret);
    await expectSignedIn(strong, ['password', 'totp']);
    const res = await strong.post('/api/admin/impersonate', { userId: target.id });
    ok(res);
    expect(res.json<{ user: { id: string } }>().user.id).toBe(target.id);
  });

  it('a passwordless passkey session counts as a second-factor session', async () => {
    const admin = await newAdmin(t);
    const target = await newPlainUser(t);
    const auth = new SoftAuthenticator();
    await enrollPasskey(withPassword(admin), auth);
    const { agent, res } = await passwordless(t, auth);
    ok(res);
    ok(await agent.post('/api/admin/impersonate', { userId: target.id }));
  });
});

describe('admins and second factors (ADMIN_REQUIRE_MFA off)', () => {
  let t: TestApp;
  let admin: Person;
  beforeAll(async () => {
    t = await buildTestApp();
    admin = await newAdmin(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('is off by default outside production: no factor needed for admin routes', async () => {
    ok(await admin.agent.get('/api/admin/users'));
    expect((await me(admin.agent)).mfa.setupRequired).toBe(false);
  });

  it('the admin user view adds mfa: {totp, passkeys}', async () => {
    const plain = await newPlainUser(t);
    const strong = await newPlainUser(t);
    await enrollTotp(t, withPassword(strong));
    await enrollPasskey(withPassword(strong), new SoftAuthenticator());
    await enrollPasskey(withPassword(strong), new SoftAuthenticator());
    expect((await adminView(admin.agent, plain.email)).mfa).toEqual({ totp: false, passkeys: 0 });
    expect((await adminView(admin.agent, strong.email)).mfa).toEqual({ totp: true, passkeys: 2 });
  });

  it('DELETE /api/admin/users/{id}/mfa removes TOTP, passkeys and recovery codes; emailed; mfa_reset; password alone signs in', async () => {
    const u = await newPlainUser(t);
    await enrollTotp(t, withPassword(u));
    await enrollPasskey(withPassword(u), new SoftAuthenticator());
    const mailsBefore = (await mailsTo(t, u.email)).length;
    ok(await admin.agent.delete(`/api/admin/users/${u.id}/mfa`), 204);
    expect(await factorRows(t, u.id)).toEqual({ totp: [], recovery: [], passkeys: [] });
    expect(await mfaState(u.agent)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 1);
    const events = (await admin.agent.get(`/api/admin/security-events?userId=${u.id}&type=mfa_reset`)).json<{ events: EventView[] }>().events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'mfa_reset', actor: { id: admin.id }, target: { id: u.id } });
    const login = await new Agent(t, nextIp()).post('/api/auth/login', { email: u.email, password: STRONG_PASSWORD });
    ok(login);
    expect(login.json<{ user?: { id: string }; mfaRequired?: boolean }>()).toMatchObject({ user: { id: u.id } });
  });

  it('reset: non-admin → 403 forbidden, unknown id → 404, no CSRF → 403, while impersonating → 403; nothing removed', async () => {
    const u = await newPlainUser(t);
    await enrollTotp(t, withPassword(u));
    const before = await factorRows(t, u.id);
    const other = await newPlainUser(t);
    expectError(await other.agent.delete(`/api/admin/users/${u.id}/mfa`), 403, 'forbidden');
    expectError(await admin.agent.delete('/api/admin/users/no-such-user/mfa'), 404, 'not_found');
    expectError(await admin.agent.delete(`/api/admin/users/${u.id}/mfa`, undefined, { noCsrf: true }), 403, 'csrf_failed');
    const imp = await newAdmin(t);
    ok(await imp.agent.post('/api/admin/impersonate', { userId: other.id }));
    expectError(await imp.agent.delete(`/api/admin/users/${u.id}/mfa`), 403, 'forbidden');
    expect(await factorRows(t, u.id)).toEqual(before);
  });
});
