import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, tokenFromEmail, type Agent, type TestApp } from '../helpers/app.js';
import { expectError, newUser } from '../core/support.js';
import { events, members, membershipOf, orgExists, orgWith, snapshot, type MemberView, type OrgRole } from './support.js';

function setRole(agent: Agent, userId: string, role: OrgRole): Promise<LightMyRequestResponse> {
  return agent.patch(`/api/org/members/${userId}`, { role });
}

describe('member roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('an owner may set any role; the response is the {member}', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const m = people[0]!;
    for (const role of ['admin', 'owner', 'member'] as const) {
      const res = await setRole(owner.agent, m.id, role);
      expect(res.statusCode, res.body).toBe(200);
      const member = res.json<{ member: MemberView }>().member;
      expect(member).toEqual({ userId: m.id, email: m.email, name: 'member 0', role, joinedAt: expect.any(String) as string, mfa: false });
      expect(await membershipOf(t, m.id)).toEqual({ org_id: owner.orgId, role });
    }
  });

  it('an admin manages members and admins but cannot touch owners or create owners (403, nothing changes)', async () => {
    const { owner, people } = await orgWith(t, ['admin', 'member', 'admin']);
    const [admin, member, admin2] = [people[0]!, people[1]!, people[2]!];
    expect((await setRole(admin.agent, member.id, 'admin')).statusCode).toBe(200);
    expect((await setRole(admin.agent, member.id, 'member')).statusCode).toBe(200);
    expect((await setRole(admin.agent, admin2.id, 'member')).statusCode).toBe(200);
    expect((await setRole(admin.agent, admin2.id, 'admin')).statusCode).toBe(200);
    const before = await snapshot(t);
    expectError(await setRole(admin.agent, member.id, 'owner'), 403, 'forbidden');
    expectError(await setRole(admin.agent, admin.id, 'owner'), 403, 'forbidden');
    expectError(await setRole(admin.agent, owner.id, 'member'), 403, 'forbidden');
    expectError(await setRole(admin.agent, owner.id, 'admin'), 403, 'forbidden');
    expectError(await admin.agent.delete(`/api/org/members/${owner.id}`), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
    // An admin may step down to member.
    expect((await setRole(admin.agent, admin.id, 'member')).statusCode).toBe(200);
    expect(await membershipOf(t, admin.id)).toEqual({ org_id: owner.orgId, role: 'member' });
  });

  it('a plain member cannot change roles or remove anyone (403, nothing changes)', async () => {
    const { owner, people } = await orgWith(t, ['member', 'member']);
    const [m1, m2] = [people[0]!, people[1]!];
    const before = await snapshot(t);
    expectError(await setRole(m1.agent, m2.id, 'admin'), 403, 'forbidden');
    expectError(await setRole(m1.agent, m1.id, 'admin'), 403, 'forbidden');
    expectError(await setRole(m1.agent, owner.id, 'member'), 403, 'forbidden');
    expectError(await m1.agent.delete(`/api/org/members/${m2.id}`), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
  });

  it('someone outside the caller’s org (or nobody) → 404 and they are untouched', async () => {
    const { owner } = await orgWith(t, []);
    const outsider = await newUser(t);
    const before = await snapshot(t);
    expectError(await setRole(owner.agent, outsider.id, 'member'), 404, 'not_found');
    expectError(await owner.agent.delete(`/api/org/members/${outsider.id}`), 404, 'not_found');
    expectError(await setRole(owner.agent, 'no-such-user', 'member'), 404, 'not_found');
    expectError(await owner.agent.delete('/api/org/members/no-such-user'), 404, 'not_found');
    expect(await snapshot(t)).toEqual(before);
  });

  it('demoting the last owner → 409 conflict; with two owners one may step down', async () => {
    const { owner, people } = await orgWith(t, ['admin']);
    const before = await snapshot(t);
    expectError(await setRole(owner.agent, owner.id, 'admin'), 409, 'conflict');
    expectError(await setRole(owner.agent, owner.id, 'member'), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
    expect((await setRole(owner.agent, people[0]!.id, 'owner')).statusCode).toBe(200);
    expect((await setRole(owner.agent, owner.id, 'member')).statusCode).toBe(200);
    expectError(await setRole(people[0]!.agent, people[0]!.id, 'admin'), 409, 'conflict');
  });

  it('two owners demoting each other at once: exactly one wins, one owner remains', async () => {
    const { owner, people, orgId } = await orgWith(t, ['admin']);
    const co = people[0]!;
    expect((await setRole(owner.agent, co.id, 'owner')).statusCode).toBe(200);
    const [a, b] = await Promise.all([setRole(owner.agent, co.id, 'member'), setRole(co.agent, owner.id, 'member')]);
    // The loser is refused either as no longer an owner (403) or as the last owner (409).
    expect(a.statusCode === 200 ? b.statusCode : a.statusCode).toBeOneOf([403, 409]);
    expect([a.statusCode, b.statusCode]).toContain(200);
    const owners = await t.db.kysely.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
  });

  it('a manager demoted a moment ago cannot act with the old role (checked under the org lock)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { owner, people } = await orgWith(t, ['admin', 'member']);
      const [co, m] = [people[0]!, people[1]!];
      expect((await setRole(owner.agent, co.id, 'owner')).statusCode).toBe(200);
      const [demote, promote] = await Promise.all([setRole(owner.agent, co.id, 'member'), setRole(co.agent, m.id, 'owner')]);
      expect(demote.statusCode).toBe(200);
      const seqOf = async (target: string): Promise<number | undefined> =>
        (await t.db.kysely.selectFrom('security_events').select('seq').where('type', '=', 'role_changed').where('target_id', '=', target).where('user_id', '=', target).orderBy('seq', 'desc').executeTakeFirst())?.seq;
      if (promote.statusCode === 200) {
        // Only acceptable if it committed while the co-owner was still an owner.
        expect(Number(await seqOf(m.id))).toBeLessThan(Number(await seqOf(co.id)));
      } else {
        expectError(promote, 403, 'forbidden');
        expect(await membershipOf(t, m.id)).toMatchObject({ role: 'member' });
      }
    }
  });

  it('bad bodies → 400 and nothing changes', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const id = people[0]!.id;
    const before = await snapshot(t);
    for (const body of [{}, { role: 'superuser' }, { role: null }, { role: 'admin', extra: 1 }, { role: ['admin'] }]) {
      expectError(await owner.agent.patch(`/api/org/members/${id}`, body), 400, 'invalid_request');
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('role_changed is in the security log of both the target and the actor', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const m = people[0]!;
    expect((await setRole(owner.agent, m.id, 'admin')).statusCode).toBe(200);
    const expected = { type: 'role_changed', actor: { id: owner.id, email: owner.email }, target: { id: m.id, email: m.email } };
    expect(await events(m.agent)).toContainEqual(expect.objectContaining(expected));
    expect(await events(owner.agent)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('removing and leaving', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('remove → 204; member_removed for both; the removed user owns a fresh personal org', async () => {
    const { owner, people, orgId } = await orgWith(t, ['member']);
    const m = people[0]!;
    const res = await owner.agent.delete(`/api/org/members/${m.id}`);
    expect(res.statusCode, res.body).toBe(204);
    expect((await members(owner.agent)).map((x) => x.userId)).toEqual([owner.id]);
    const mine = await membershipOf(t, m.id);
    expect(mine?.role).toBe('owner');
    expect(mine?.org_id).not.toBe(orgId);
    expect(mine?.org_id).not.toBe(m.orgId);
    const me = (await m.agent.get('/api/auth/me')).json<{ user: { organization: { id: string; name: string; role: string } } }>();
    expect(me.user.organization).toEqual({ id: mine?.org_id, name: "member 0's organization", role: 'owner' });
    expect((await members(m.agent)).map((x) => x.userId)).toEqual([m.id]);
    const expected = { type: 'member_removed', actor: { id: owner.id, email: owner.email }, target: { id: m.id, email: m.email } };
    expect(await events(m.agent)).toContainEqual(expect.objectContaining(expected));
    expect(await events(owner.agent)).toContainEqual(expect.objectContaining(expected));
    expect(await events(m.agent)).toContainEqual(expect.objectContaining({ type: 'org_joined' }));
  });

  it('an admin removes members and admins, not owners', async () => {
    const { owner, people } = await orgWith(t, ['admin', 'admin', 'member']);
    const [admin, admin2, member] = [people[0]!, people[1]!, people[2]!];
    expect((await admin.agent.delete(`/api/org/members/${member.id}`)).statusCode).toBe(204);
    expect((await admin.agent.delete(`/api/org/members/${admin2.id}`)).statusCode).toBe(204);
    const before = await snapshot(t);
    expectError(await admin.agent.delete(`/api/org/members/${owner.id}`), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
  });

  it('anyone may leave via DELETE /api/org/members/<own id> and gets a personal org', async () => {
    const { owner, people, orgId } = await orgWith(t, ['member']);
    const m = people[0]!;
    expect((await m.agent.delete(`/api/org/members/${m.id}`)).statusCode).toBe(204);
    expect((await membershipOf(t, m.id))?.org_id).not.toBe(orgId);
    expect((await members(owner.agent)).map((x) => x.userId)).toEqual([owner.id]);
    expect(await events(m.agent)).toContainEqual(expect.objectContaining({ type: 'member_removed', target: { id: m.id, email: m.email } }));
  });

  it('the last owner cannot leave while others remain, nor a sole member leave their own org (409)', async () => {
    const { owner } = await orgWith(t, ['member']);
    const alone = await newUser(t);
    const before = await snapshot(t);
    expectError(await owner.agent.delete(`/api/org/members/${owner.id}`), 409, 'conflict');
    expectError(await alone.agent.delete(`/api/org/members/${alone.id}`), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
  });

  it('one of two owners may leave; the org keeps the other', async () => {
    const { owner, people, orgId } = await orgWith(t, ['admin']);
    expect((await owner.agent.patch(`/api/org/members/${people[0]!.id}`, { role: 'owner' })).statusCode).toBe(200);
    expect((await owner.agent.delete(`/api/org/members/${owner.id}`)).statusCode).toBe(204);
    expect(await orgExists(t, orgId)).toBe(true);
    expect(await membershipOf(t, people[0]!.id)).toEqual({ org_id: orgId, role: 'owner' });
  });

  it('two owners leaving at once (one by join, one by leave) never leave members without an owner', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { owner, people, orgId } = await orgWith(t, ['admin', 'member']);
      const co = people[0]!;
      expect((await owner.agent.patch(`/api/org/members/${co.id}`, { role: 'owner' })).statusCode).toBe(200);
      const elsewhere = await newUser(t);
      const inv = await elsewhere.agent.post('/api/org/invitations', { email: owner.email });
      expect(inv.statusCode).toBe(201);
      const token = await tokenFromEmail(t, owner.email, '/join');
      const [a, b] = await Promise.all([owner.agent.post('/api/org/join', { token }), co.agent.delete(`/api/org/members/${co.id}`)]);
      expect([a.statusCode, b.statusCode]).toContain(409);
      const owners = await t.db.kysely.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('role', '=', 'owner').execute();
      expect(owners).toHaveLength(1);
    }
  });
});
