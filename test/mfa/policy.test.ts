import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { orgWith, type Person } from '../org/support.js';
import { newAdmin } from '../admin/admin-support.js';
import { enrollPasskey, enrollTotp, freshCode, me, mfaState, ok } from './support.js';

interface OrgView {
  organization: { id: string; requireMfa: boolean };
  members: { userId: string; mfa: boolean }[];
}

/** Organization policy: PATCH /api/org {requireMfa}. */
describe('organization policy requireMfa', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  async function policyOrg(): Promise<{ owner: Person; admin: Person; member: Person; orgId: string }> {
    const { owner, people, orgId } = await orgWith(t, ['admin', 'member']);
    await enrollTotp(t, owner);
    return { owner, admin: people[0]!, member: people[1]!, orgId };
  }

  async function setPolicy(agent: Agent, on: boolean): Promise<OrgView['organization']> {
    const res = await agent.patch('/api/org', { requireMfa: on });
    ok(res);
    return res.json<{ organization: OrgView['organization'] }>().organization;
  }

  async function requireMfaRow(orgId: string): Promise<number> {
    return (await t.db.kysely.selectFrom('organizations').select('require_mfa').where('id', '=', orgId).executeTakeFirstOrThrow()).require_mfa;
  }

  it('owner (or org admin) turns it on; a member → 403 forbidden; bad bodies → 400; the org view shows it', async () => {
    const { owner, admin, member, orgId } = await policyOrg();
    expectError(await member.agent.patch('/api/org', { requireMfa: true }), 403, 'forbidden');
    for (const body of [{ requireMfa: 'yes' }, { requireMfa: null }, { requireMfa: true, extra: 1 }]) expectError(await owner.agent.patch('/api/org', body), 400, 'invalid_request');
    expectError(await owner.agent.patch('/api/org', { requireMfa: true }, { noCsrf: true }), 403, 'csrf_failed');
    expect(await requireMfaRow(orgId)).toBe(0);
    expect((await setPolicy(owner.agent, true)).requireMfa).toBe(true);
    const view = (await owner.agent.get('/api/org')).json<OrgView>();
    expect(view.organization.requireMfa).toBe(true);
    expect(Object.fromEntries(view.members.map((m) => [m.userId, m.mfa]))).toEqual({ [owner.id]: true, [admin.id]: false, [member.id]: false });
    // The org admin needs a factor before it can touch the policy again.
    await enrollTotp(t, admin);
    expect((await setPolicy(admin.agent, false)).requireMfa).toBe(false);
    expect(await requireMfaRow(orgId)).toBe(0);
  });

  it('a member without a factor: 403 mfa_required everywhere except me, /api/mfa*, /api/passkeys*, sessions and logout', async () => {
    const { owner, member } = await policyOrg();
    await setPolicy(owner.agent, true);
    const nameBefore = (await me(member.agent)).user.name;
    expectError(await member.agent.get('/api/org'), 403, 'mfa_required');
    expectError(await member.agent.patch('/api/profile', { name: 'Changed Name' }), 403, 'mfa_required');
    expectError(await member.agent.get('/api/security-events'), 403, 'mfa_required');
    expectError(await member.agent.post('/api/auth/change-password', { currentPassword: member.password, newPassword: 'another strong passphrase' }), 403, 'mfa_required');
    expectError(await member.agent.get('/api/auth/verify'), 403, 'mfa_required');
    const m = await me(member.agent);
    expect(m.mfa).toEqual({ enabled: false, setupRequired: true, requiredBy: 'organization' });
    expect(m.user.name).toBe(nameBefore);
    ok(await member.agent.get('/api/mfa'));
    ok(await member.agent.get('/api/sessions'));
    ok(await member.agent.post('/api/passkeys/options', { password: member.password }));
    // A fresh sign-in still works (and is just as limited).
    const again = new Agent(t, nextIp());
    const login = await again.post('/api/auth/login', { email: member.email, password: member.password });
    ok(login);
    expect(login.json<{ user?: { id: string } }>().user?.id).toBe(member.id);
    expectError(await again.get('/api/org'), 403, 'mfa_required');
    ok(await again.post('/api/auth/logout'), 204);
    // The owner, who has a factor, is not held back.
    ok(await owner.agent.get('/api/org'));
  });

  it('an impersonation session is not gated by the policy, yet cannot lift it or set up a factor for the member', async () => {
    const { owner, admin: orgAdmin, orgId } = await policyOrg();
    await setPolicy(owner.agent, true);
    expectError(await orgAdmin.agent.get('/api/org'), 403, 'mfa_required');
    const siteAdmin = await newAdmin(t);
    ok(await siteAdmin.agent.post('/api/admin/impersonate', { userId: orgAdmin.id }));
    const m = await me(siteAdmin.agent);
    expect(m.user.id).toBe(orgAdmin.id);
    // It is not the member signing in: /me asks the impersonator for no setup, and the admin reaches the member's routes…
    expect(m.mfa.setupRequired).toBe(false);
    ok(await siteAdmin.agent.get('/api/org'));
    ok(await siteAdmin.agent.get('/api/security-events'));
    // …but cannot change the policy (though the member is an org admin) or the member's factors.
    expectError(await siteAdmin.agent.patch('/api/org', { requireMfa: false }), 403, 'forbidden');
    expectError(await siteAdmin.agent.post('/api/mfa/totp/setup', { password: orgAdmin.password }), 403, 'forbidden');
    expectError(await siteAdmin.agent.post('/api/passkeys/options', { password: orgAdmin.password }), 403, 'forbidden');
    expect(await requireMfaRow(orgId)).toBe(1);
    expect((await mfaState(orgAdmin.agent)).totp).toBe(false);
    // The member's own session is still held by the policy.
    expectError(await orgAdmin.agent.get('/api/org'), 403, 'mfa_required');
  });

  it('after enrolling TOTP the member is let through; turning TOTP off blocks them again', async () => {
    const { owner, member } = await policyOrg();
    await setPolicy(owner.agent, true);
    const { secret } = await enrollTotp(t, member);
    expect((await me(member.agent)).mfa).toEqual({ enabled: true, setupRequired: false, requiredBy: null });
    ok(await member.agent.get('/api/org'));
    const res = await member.agent.patch('/api/profile', { name: 'Now Allowed' });
    ok(res);
    ok(await member.agent.delete('/api/mfa/totp', { password: member.password, code: freshCode(t, secret) }), 204);
    expect((await me(member.agent)).mfa.setupRequired).toBe(true);
    expectError(await member.agent.get('/api/org'), 403, 'mfa_required');
  });

  it('a passkey satisfies the policy too; turning the policy off lifts it for everyone', async () => {
    const { owner, admin, member } = await policyOrg();
    await setPolicy(owner.agent, true);
    expectError(await admin.agent.get('/api/org'), 403, 'mfa_required');
    await enrollPasskey(member, new SoftAuthenticator());
    expect((await mfaState(member.agent)).passkeys).toHaveLength(1);
    ok(await member.agent.get('/api/org'));
    await setPolicy(owner.agent, false);
    ok(await admin.agent.get('/api/org'));
    expect((await me(admin.agent)).mfa.setupRequired).toBe(false);
  });

  it('other organizations are not affected', async () => {
    const a = await policyOrg();
    const b = await orgWith(t, ['member']);
    await setPolicy(a.owner.agent, true);
    ok(await b.people[0]!.agent.get('/api/org'));
    expect((await me(b.owner.agent)).mfa).toEqual({ enabled: false, setupRequired: false, requiredBy: null });
  });
});
