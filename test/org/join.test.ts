import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, buildTestApp, login, uniqueEmail, type TestApp } from '../helpers/app.js';
import { expectError, newUser } from '../core/support.js';
import { events, inviteOk, join, members, membershipOf, orgExists, orgWith, pending, snapshot } from './support.js';

describe('POST /api/org/join', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('moves the user into the inviting org with the invited role and deletes their now-empty old org', async () => {
    const owner = await newUser(t, { organizationName: 'Acme' });
    const joiner = await newUser(t, { name: 'Jo' });
    const { token, invitation } = await inviteOk(t, owner.agent, joiner.email, 'admin');
    const res = await join(joiner.agent, token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ organization: { id: owner.orgId, name: 'Acme', role: 'admin' } });
    expect(await membershipOf(t, joiner.id)).toEqual({ org_id: owner.orgId, role: 'admin' });
    expect(await orgExists(t, joiner.orgId)).toBe(false);
    const me = (await joiner.agent.get('/api/auth/me')).json<{ user: { organization: unknown } }>();
    expect(me.user.organization).toEqual({ id: owner.orgId, name: 'Acme', role: 'admin' });
    expect((await members(owner.agent)).map((m) => [m.userId, m.role])).toEqual([
      [owner.id, 'owner'],
      [joiner.id, 'admin'],
    ]);
    expect(await pending(owner.agent)).toEqual([]);
    const row = await t.db.kysely.selectFrom('invitations').select(['used_at', 'used_by']).where('id', '=', invitation.id).executeTakeFirst();
    expect(row).toEqual({ used_at: t.clock.now(), used_by: joiner.id });
    const joined = (await events(joiner.agent)).find((e) => e.type === 'org_joined');
    expect(joined).toMatchObject({ actor: { id: joiner.id, email: joiner.email } });
  });

  it('the old org survives when others remain in it; the joiner no longer sees it', async () => {
    const { owner, people, orgId } = await orgWith(t, ['member']);
    const other = await newUser(t);
    const { token } = await inviteOk(t, other.agent, people[0]!.email);
    expect((await join(people[0]!.agent, token)).statusCode).toBe(200);
    expect(await orgExists(t, orgId)).toBe(true);
    expect((await members(owner.agent)).map((m) => m.userId)).toEqual([owner.id]);
  });

  it('an invitation belongs to the org: it stays valid after its inviter left', async () => {
    const { owner, people } = await orgWith(t, ['admin']);
    const admin = people[0]!;
    const { token } = await inviteOk(t, admin.agent, uniqueEmail());
    expect((await owner.agent.delete(`/api/org/members/${admin.id}`)).statusCode).toBe(204);
    const joiner = await newUser(t);
    expect((await join(joiner.agent, token)).json()).toMatchObject({ organization: { id: owner.orgId, role: 'member' } });
  });

  it('a forwarded link works for a signed-in user with a different email', async () => {
    const owner = await newUser(t);
    const intended = uniqueEmail('intended');
    const { token } = await inviteOk(t, owner.agent, intended);
    const holder = await newUser(t);
    expect(holder.email).not.toBe(intended);
    expect((await join(holder.agent, token)).statusCode).toBe(200);
    expect(await membershipOf(t, holder.id)).toEqual({ org_id: owner.orgId, role: 'member' });
  });

  it('join needs a session (401) and refuses a body without a token (400), nothing used', async () => {
    const owner = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, uniqueEmail());
    const before = await snapshot(t);
    expectError(await t.app.inject({ method: 'POST', url: '/api/org/join', payload: { token } }), 401, 'unauthenticated');
    const joiner = await newUser(t);
    const after = await snapshot(t);
    expectError(await joiner.agent.post('/api/org/join', {}), 400, 'invalid_request');
    expectError(await joiner.agent.post('/api/org/join', { token: null }), 400, 'invalid_request');
    expectError(await join(joiner.agent, 'not-a-jwt'), 400, 'invalid_token');
    expect(await snapshot(t)).toEqual(after);
    expect(before.invitations).toEqual(after.invitations);
    expect((await join(joiner.agent, token)).statusCode).toBe(200);
  });

  it('an invitation is single-use: the used link → 400 invalid_token for anyone, nothing changes', async () => {
    const owner = await newUser(t);
    const first = await newUser(t);
    const second = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, first.email);
    expect((await join(first.agent, token)).statusCode).toBe(200);
    const before = await snapshot(t);
    expectError(await join(second.agent, token), 400, 'invalid_token');
    expectError(await join(first.agent, token), 400, 'invalid_token');
    expect(await snapshot(t)).toEqual(before);
    expect(await membershipOf(t, second.id)).toEqual({ org_id: second.orgId, role: 'owner' });
  });

  it('two concurrent joins with one link: exactly one 200, the other 400 and unmoved', async () => {
    const owner = await newUser(t);
    const a = await newUser(t);
    const b = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, a.email);
    const [ra, rb] = await Promise.all([join(a.agent, token), join(b.agent, token)]);
    expect([ra.statusCode, rb.statusCode].sort()).toEqual([200, 400]);
    const loser = ra.statusCode === 200 ? b : a;
    expectError(ra.statusCode === 200 ? rb : ra, 400, 'invalid_token');
    expect((await members(owner.agent)).length).toBe(2);
    expect(await membershipOf(t, loser.id)).toEqual({ org_id: loser.orgId, role: 'owner' });
    expect(await orgExists(t, loser.orgId)).toBe(true);
  });

  it('two users crossing between two orgs at once both succeed (no deadlock)', async () => {
    const x = await orgWith(t, ['member']);
    const y = await orgWith(t, ['member']);
    const [a, b] = [x.people[0]!, y.people[0]!];
    const toY = await inviteOk(t, y.owner.agent, a.email);
    const toX = await inviteOk(t, x.owner.agent, b.email);
    const [ra, rb] = await Promise.all([join(a.agent, toY.token), join(b.agent, toX.token)]);
    expect([ra.statusCode, rb.statusCode], `${ra.body} ${rb.body}`).toEqual([200, 200]);
    expect(await membershipOf(t, a.id)).toEqual({ org_id: y.orgId, role: 'member' });
    expect(await membershipOf(t, b.id)).toEqual({ org_id: x.orgId, role: 'member' });
  });

  it('joining the org you are already in → 409 conflict and the invitation stays usable', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const { token, invitation } = await inviteOk(t, owner.agent, uniqueEmail());
    const before = await snapshot(t);
    expectError(await join(people[0]!.agent, token), 409, 'conflict');
    expectError(await join(owner.agent, token), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
    expect((await pending(owner.agent)).map((i) => i.id)).toEqual([invitation.id]);
  });

  it('the last owner of an org with other members cannot join elsewhere (409): nothing changes', async () => {
    const { owner, people, orgId } = await orgWith(t, ['admin']);
    const other = await newUser(t);
    const { token, invitation } = await inviteOk(t, other.agent, owner.email);
    const before = await snapshot(t);
    expectError(await join(owner.agent, token), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
    expect(await membershipOf(t, owner.id)).toEqual({ org_id: orgId, role: 'owner' });
    expect((await pending(other.agent)).map((i) => i.id)).toEqual([invitation.id]);
    // With a second owner, the first may go.
    expect((await owner.agent.patch(`/api/org/members/${people[0]!.id}`, { role: 'owner' })).statusCode).toBe(200);
    expect((await join(owner.agent, token)).statusCode).toBe(200);
    expect(await membershipOf(t, owner.id)).toEqual({ org_id: other.orgId, role: 'member' });
    expect((await members(people[0]!.agent)).map((m) => [m.userId, m.role])).toEqual([[people[0]!.id, 'owner']]);
  });

  it('an expired link → 410 token_expired, nothing changes; a fresh link is valid immediately', async () => {
    const owner = await newUser(t);
    const joiner = await newUser(t);
    const early = await inviteOk(t, owner.agent, uniqueEmail('early'));
    const late = await inviteOk(t, owner.agent, joiner.email);
    const ttl = t.config.inviteTokenTtlMs;
    // Just before the end it still works (sessions idle out meanwhile, so sign in again).
    t.clock.advance(ttl - 1000);
    const earlyJoiner = await newUser(t);
    expect((await join(earlyJoiner.agent, early.token)).statusCode).toBe(200);
    t.clock.advance(2000);
    const agent = await login(t, joiner.email, STRONG_PASSWORD);
    const ownerAgent = await login(t, owner.email, STRONG_PASSWORD);
    const before = await snapshot(t);
    expectError(await join(agent, late.token), 410, 'token_expired');
    expect(await snapshot(t)).toEqual(before);
    expect(await pending(ownerAgent)).toEqual([]);
    const fresh = await inviteOk(t, ownerAgent, joiner.email);
    expect((await join(agent, fresh.token)).statusCode).toBe(200);
    expect(await membershipOf(t, joiner.id)).toEqual({ org_id: owner.orgId, role: 'member' });
  });

  it('a revoked invitation that has also expired still says invalid_token (400), not 410', async () => {
    const owner = await newUser(t);
    const { token, invitation } = await inviteOk(t, owner.agent, uniqueEmail());
    expect((await owner.agent.delete(`/api/org/invitations/${invitation.id}`)).statusCode).toBe(204);
    t.clock.advance(t.config.inviteTokenTtlMs + 60_000);
    const joiner = await newUser(t);
    expectError(await join(joiner.agent, token), 400, 'invalid_token');
  });

  it('a link of an organization that no longer exists → 400 invalid_token', async () => {
    const owner = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, uniqueEmail());
    expect((await owner.agent.delete('/api/profile', { password: owner.password })).statusCode).toBe(204);
    expect(await orgExists(t, owner.orgId)).toBe(false);
    const joiner = await newUser(t);
    const before = await snapshot(t);
    expectError(await join(joiner.agent, token), 400, 'invalid_token');
    expect(await snapshot(t)).toEqual(before);
  });
});
