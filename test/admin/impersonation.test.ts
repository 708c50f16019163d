import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { expectCookiesCleared, expectError } from '../core/support.js';
import {
  agentWith,
  eventCount,
  liveSessionIds,
  me,
  newAdmin,
  newPlainUser,
  ownEvents,
  signIn,
  snapshot,
  startedImpersonation,
  userRow,
  type Person,
  type UserView,
} from './admin-support.js';

async function passwordHash(t: TestApp, id: string): Promise<string | undefined> {
  return (await t.db.kysely.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst())?.password_hash;
}

describe('impersonation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("start: 200 {user: target}, a new cookie pair for the target's new session, me names the impersonator", async () => {
    const admin = await newAdmin(t, { name: 'Ada Admin' });
    const target = await newPlainUser(t, { name: 'Tom Target' });
    const before = snapshot(admin.agent);
    const targetSessions = await liveSessionIds(t, target.id);
    const res = await admin.agent.post('/api/admin/impersonate', { userId: target.id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: UserView }>().user).toMatchObject({ id: target.id, email: target.email, role: 'user' });
    const session = res.cookies.find((c) => c.name === 'gh_session');
    const csrf = res.cookies.find((c) => c.name === 'gh_csrf');
    expect(session?.httpOnly).toBe(true);
    expect(csrf?.httpOnly).not.toBe(true);
    expect(session?.value).not.toBe(before.get('gh_session'));
    expect(csrf?.value).not.toBe(before.get('gh_csrf'));
    // The cookie lives no longer than the impersonation.
    expect(session?.maxAge).toBeLessThanOrEqual(30 * 60);
    expect(res.body).not.toContain(session?.value ?? '<none>');
    const who = await me(admin.agent);
    expect(who.user.id).toBe(target.id);
    expect(who.impersonator).toEqual({ id: admin.id, email: admin.email, name: 'Ada Admin' });
    // A brand-new session for the target; the target's own sessions are untouched.
    expect(targetSessions).not.toContain(who.session.id);
    expect(await liveSessionIds(t, target.id)).toEqual([...targetSessions, who.session.id].sort());
    expect((await me(target.agent)).impersonator).toBeNull();
  });

  describe('who cannot be impersonated (403 forbidden, nothing changes)', () => {
    for (const kind of ['an admin', 'yourself', 'a disabled user'] as const) {
      it(kind, async () => {
        const admin = await newAdmin(t);
        let victimId = admin.id;
        if (kind === 'an admin') victimId = (await newAdmin(t)).id;
        if (kind === 'a disabled user') {
          victimId = (await newPlainUser(t)).id;
          expect((await admin.agent.patch(`/api/admin/users/${victimId}`, { disabled: true })).statusCode).toBe(200);
        }
        const sessions = await liveSessionIds(t, victimId);
        const events = await eventCount(t);
        const jar = snapshot(admin.agent);
        const res = await admin.agent.post('/api/admin/impersonate', { userId: victimId });
        expectError(res, 403, 'forbidden');
        expect(res.cookies).toHaveLength(0);
        expect(snapshot(admin.agent)).toEqual(jar);
        expect(await liveSessionIds(t, victimId)).toEqual(sessions);
        expect(await eventCount(t)).toBe(events);
        const who = await me(admin.agent);
        expect(who.user.id).toBe(admin.id);
        expect(who.impersonator).toBeNull();
      });
    }

    it('no nested impersonation: the impersonation session cannot start another (403)', async () => {
      const { admin, target } = await startedImpersonation(t);
      const third = await newPlainUser(t);
      const sessions = await liveSessionIds(t, third.id);
      expectError(await admin.agent.post('/api/admin/impersonate', { userId: third.id }), 403, 'forbidden');
      expect(await liveSessionIds(t, third.id)).toEqual(sessions);
      expect((await me(admin.agent)).user.id).toBe(target.id);
    });
  });

  describe('the impersonated session cannot take over the account', () => {
    it('change password → 403 forbidden; the password still works, no session changed', async () => {
      const { admin, target } = await startedImpersonation(t);
      const hash = await passwordHash(t, target.id);
      const sessions = await liveSessionIds(t, target.id);
      const res = await admin.agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'an entirely new passphrase' });
      expectError(res, 403, 'forbidden');
      expect(res.cookies).toHaveLength(0);
      expect(await passwordHash(t, target.id)).toBe(hash);
      expect(await liveSessionIds(t, target.id)).toEqual(sessions);
      await signIn(t, target.email);
    });

    it('change email → 403 forbidden even with the right current password; nothing changes, no email sent', async () => {
      const { admin, target } = await startedImpersonation(t);
      const mails = (await t.outbox()).length;
      const res = await admin.agent.patch('/api/profile', { email: 'taken-over@example.test', currentPassword: STRONG_PASSWORD });
      expectError(res, 403, 'forbidden');
      expect((await userRow(t, target.id))?.email).toBe(target.email);
      expect((await t.outbox()).length).toBe(mails);
      // Combined with an otherwise allowed field, nothing at all is applied.
      expectError(await admin.agent.patch('/api/profile', { name: 'Renamed', email: 'x2@example.test', currentPassword: STRONG_PASSWORD }), 403, 'forbidden');
      expect((await userRow(t, target.id))?.name).toBe('Tom Target');
    });

    it('delete the account → 403 forbidden; the account, its sessions and organization remain', async () => {
      const { admin, target } = await startedImpersonation(t);
      const sessions = await liveSessionIds(t, target.id);
      expectError(await admin.agent.delete('/api/profile', { password: STRONG_PASSWORD }), 403, 'forbidden');
      expect(await userRow(t, target.id)).toBeDefined();
      expect(await liveSessionIds(t, target.id)).toEqual(sessions);
      expect((await me(target.agent)).user.organization?.id).toBe(target.orgId);
    });

    it('ordinary actions as the user still work (that is the point of impersonating)', async () => {
      const { admin, target } = await startedImpersonation(t);
      expect((await admin.agent.get('/api/org')).statusCode).toBe(200);
      expect((await admin.agent.get('/api/sessions')).statusCode).toBe(200);
      expect((await me(admin.agent)).user.id).toBe(target.id);
    });
  });

  describe('stop', () => {
    it("restores the admin's own session with a fresh cookie pair; the impersonation token is dead", async () => {
      const { admin, target, adminJar, impJar, adminSessionId } = await startedImpersonation(t);
      const res = await admin.agent.post('/api/admin/impersonate/stop');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ user: UserView }>().user).toMatchObject({ id: admin.id, email: admin.email, role: 'admin' });
      const session = res.cookies.find((c) => c.name === 'gh_session');
      const csrf = res.cookies.find((c) => c.name === 'gh_csrf');
      expect(session?.httpOnly).toBe(true);
      for (const old of [adminJar, impJar]) {
        expect(session?.value).not.toBe(old.get('gh_session'));
        expect(csrf?.value).not.toBe(old.get('gh_csrf'));
      }
      const who = await me(admin.agent);
      expect(who.user.id).toBe(admin.id);
      expect(who.impersonator).toBeNull();
      expect(who.session.id).toBe(adminSessionId);
      expect((await admin.agent.get('/api/admin/users')).statusCode).toBe(200);
      // The saved impersonation cookie no longer works, for reads or writes (incl. stopping again).
      const dead = agentWith(t, impJar);
      const gone = await dead.get('/api/auth/me');
      expectError(gone, 401, 'unauthenticated');
      expectCookiesCleared(gone);
      expectError(await agentWith(t, impJar).post('/api/admin/impersonate/stop'), 401, 'unauthenticated');
      const impRows = await t.db.kysely.selectFrom('sessions').select(['id', 'revoked_at']).where('user_id', '=', target.id).where('impersonator_id', '=', admin.id).execute();
      expect(impRows).toHaveLength(1);
      expect(impRows[0]?.revoked_at).not.toBeNull();
      // Stopping again from the admin's own session: nothing to stop.
      expectError(await admin.agent.post('/api/admin/impersonate/stop'), 409, 'conflict');
    });

    it('needs the CSRF header (403 csrf_failed, still impersonating)', async () => {
      const { admin, target } = await startedImpersonation(t);
      expectError(await admin.agent.post('/api/admin/impersonate/stop', undefined, { noCsrf: true }), 403, 'csrf_failed');
      expect((await me(admin.agent)).user.id).toBe(target.id);
    });

    it('start and stop are security events on both accounts, naming actor = admin and target = user', async () => {
      const { admin, target } = await startedImpersonation(t);
      expect((await admin.agent.post('/api/admin/impersonate/stop')).statusCode).toBe(200);
      const party = (p: Person): { id: string; email: string } => ({ id: p.id, email: p.email });
      for (const who of [admin.agent, target.agent]) {
        const events = await ownEvents(who);
        for (const type of ['impersonation_started', 'impersonation_stopped']) {
          const e = events.filter((x) => x.type === type);
          expect(e, type).toHaveLength(1);
          expect(e[0]?.actor).toEqual(party(admin));
          expect(e[0]?.target).toEqual(party(target));
        }
      }
    });
  });
});
