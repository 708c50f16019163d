import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, buildTestApp, login, type TestApp } from '../helpers/app.js';
import { expectCookiesCleared, expectError, meWith, newUser } from '../core/support.js';
import { inviteOk, join, members, membershipOf, orgExists, orgWith, snapshot } from '../org/support.js';

async function rowCounts(t: TestApp, userId: string): Promise<{ users: number; sessions: number; memberships: number; tokens: number }> {
  const k = t.db.kysely;
  const count = async (table: 'users' | 'sessions' | 'memberships' | 'email_tokens', column: 'id' | 'user_id'): Promise<number> =>
    (await k.selectFrom(table).select(column).where(column, '=', userId).execute()).length;
  return { users: await count('users', 'id'), sessions: await count('sessions', 'user_id'), memberships: await count('memberships', 'user_id'), tokens: await count('email_tokens', 'user_id') };
}

describe('DELETE /api/profile', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a wrong or missing password → 401 / 400 and nothing is deleted', async () => {
    const u = await newUser(t);
    const before = await snapshot(t);
    const wrong = await u.agent.delete('/api/profile', { password: 'not my password at all' });
    expectError(wrong, 401, 'invalid_credentials');
    // Re-authentication knows whose password it checks: it says the password is wrong, not "email or password".
    expect(wrong.json<{ error: { message: string } }>().error.message).toBe('That password is incorrect.');
    expectError(await u.agent.delete('/api/profile', {}), 400, 'invalid_request');
    expectError(await u.agent.delete('/api/profile', { password: null }), 400, 'invalid_request');
    expectError(await u.agent.delete('/api/profile', { password: u.password, extra: true }), 400, 'invalid_request');
    expectError(await u.agent.delete('/api/profile', { password: u.password }, { noCsrf: true }), 403, 'csrf_failed');
    expect(await snapshot(t)).toEqual(before);
    expect((await u.agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('success → 204, cookies cleared, every session dead, the sole-member org deleted, the email free again', async () => {
    const u = await newUser(t);
    const other = await login(t, u.email, STRONG_PASSWORD);
    const cookie = u.agent.sessionCookie!;
    const { token } = await inviteOk(t, u.agent, 'someone@example.test');
    const res = await u.agent.delete('/api/profile', { password: u.password });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expectCookiesCleared(res);
    expect(res.headers['clear-site-data']).toContain('cookies');
    expectError(await meWith(t, cookie), 401, 'unauthenticated');
    expectError(await other.get('/api/auth/me'), 401, 'unauthenticated');
    expect(await rowCounts(t, u.id)).toEqual({ users: 0, sessions: 0, memberships: 0, tokens: 0 });
    expect(await orgExists(t, u.orgId)).toBe(false);
    // Its pending invitations went with it.
    const joiner = await newUser(t);
    expectError(await join(joiner.agent, token), 400, 'invalid_token');
    expectError(await new Agent(t).post('/api/auth/login', { email: u.email, password: u.password }), 401, 'invalid_credentials');
    const again = await newUser(t, { email: u.email });
    expect(again.id).not.toBe(u.id);
  });

  it('the last owner of an org with other members → 409 conflict, nothing deleted', async () => {
    const { owner, people, orgId } = await orgWith(t, ['member']);
    const before = await snapshot(t);
    expectError(await owner.agent.delete('/api/profile', { password: owner.password }), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
    expect((await owner.agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await members(people[0]!.agent)).map((m) => m.userId)).toEqual([owner.id, people[0]!.id]);
    expect(await orgExists(t, orgId)).toBe(true);
  });

  it('a member (or a non-last owner) leaves the org behind intact', async () => {
    const { owner, people, orgId } = await orgWith(t, ['member', 'admin']);
    const [member, coOwner] = [people[0]!, people[1]!];
    expect((await member.agent.delete('/api/profile', { password: member.password })).statusCode).toBe(204);
    expect((await owner.agent.patch(`/api/org/members/${coOwner.id}`, { role: 'owner' })).statusCode).toBe(200);
    expect((await owner.agent.delete('/api/profile', { password: owner.password })).statusCode).toBe(204);
    expect(await orgExists(t, orgId)).toBe(true);
    expect(await members(coOwner.agent)).toEqual([expect.objectContaining({ userId: coOwner.id, role: 'owner' })]);
    expect(await membershipOf(t, member.id)).toBeUndefined();
  });

  it('two owners deleting themselves at once never leave members without an owner', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { owner, people, orgId } = await orgWith(t, ['admin', 'member']);
      const co = people[0]!;
      expect((await owner.agent.patch(`/api/org/members/${co.id}`, { role: 'owner' })).statusCode).toBe(200);
      const [a, b] = await Promise.all([
        owner.agent.delete('/api/profile', { password: owner.password }),
        co.agent.delete(`/api/org/members/${co.id}`),
      ]);
      expect([a.statusCode, b.statusCode]).toContain(409);
      const owners = await t.db.kysely.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('role', '=', 'owner').execute();
      expect(owners).toHaveLength(1);
    }
  });
});
