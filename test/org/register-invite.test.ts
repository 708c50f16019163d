import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { expectError, newUser, nextIp } from '../core/support.js';
import { events, inviteOk, join, members, membershipOf, pending, snapshot } from './support.js';

interface Registered {
  user: { id: string; email: string; emailVerified: boolean; organization: { id: string; name: string; role: string } };
}

function register(t: TestApp, fields: Record<string, unknown>, agent = new Agent(t, nextIp())): Promise<LightMyRequestResponse> {
  return agent.post('/api/auth/register', { name: 'Ivan Invitee', password: STRONG_PASSWORD, ...fields });
}

async function organizationCount(t: TestApp): Promise<number> {
  return (await t.db.kysely.selectFrom('organizations').select('id').execute()).length;
}

describe('POST /api/auth/register with inviteToken', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('joins the inviting organization with the invited role and creates no organization of its own', async () => {
    const owner = await newUser(t, { organizationName: 'Northwind' });
    const email = uniqueEmail('invitee');
    const { token, invitation } = await inviteOk(t, owner.agent, email, 'admin');
    const orgsBefore = await organizationCount(t);
    const agent = new Agent(t, nextIp());
    const res = await register(t, { email, inviteToken: token }, agent);
    expect(res.statusCode, res.body).toBe(201);
    const { user } = res.json<Registered>();
    expect(user.organization).toEqual({ id: owner.orgId, name: 'Northwind', role: 'admin' });
    expect(user.emailVerified).toBe(false);
    expect(res.body).not.toContain(token);
    expect(await organizationCount(t)).toBe(orgsBefore);
    expect(await membershipOf(t, user.id)).toEqual({ org_id: owner.orgId, role: 'admin' });
    // Signed in, in that organization; the invitation is used up and gone from the pending list.
    expect((await agent.get('/api/auth/me')).json<Registered>().user.organization.id).toBe(owner.orgId);
    const roles = Object.fromEntries((await members(owner.agent)).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [owner.id]: 'owner', [user.id]: 'admin' });
    expect(await pending(owner.agent)).toEqual([]);
    const row = await t.db.kysely.selectFrom('invitations').select(['used_at', 'used_by']).where('id', '=', invitation.id).executeTakeFirst();
    expect(row).toEqual({ used_at: t.clock.now(), used_by: user.id });
    expect((await events(agent)).map((e) => e.type)).toEqual(expect.arrayContaining(['user_registered', 'org_joined']));
    // The used link is dead for everyone, including a second registration.
    expectError(await register(t, { email: uniqueEmail('second'), inviteToken: token }), 400, 'invalid_token');
    expectError(await join((await newUser(t)).agent, token), 400, 'invalid_token');
  });

  it('a forwarded link registers a different address, as join would allow', async () => {
    const owner = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, uniqueEmail('intended'));
    const res = await register(t, { email: uniqueEmail('holder'), inviteToken: token });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Registered>().user.organization).toMatchObject({ id: owner.orgId, role: 'member' });
  });

  it('a bad token refuses the registration and creates nothing: forged, revoked, used, expired', async () => {
    const owner = await newUser(t);
    const revoked = await inviteOk(t, owner.agent, uniqueEmail('revoked'));
    expect((await owner.agent.delete(`/api/org/invitations/${revoked.invitation.id}`)).statusCode).toBe(204);
    const used = await inviteOk(t, owner.agent, uniqueEmail('used'));
    expect((await join((await newUser(t)).agent, used.token)).statusCode).toBe(200);
    const verify = (await t.outbox()).find((m) => m.to === owner.email && m.text.includes('/verify-email?token='));
    const verifyToken = decodeURIComponent(/\/verify-email\?token=([A-Za-z0-9._%-]+)/.exec(verify?.text ?? '')?.[1] ?? '');
    expect(verifyToken).not.toBe('');
    const cases: Record<string, string> = { garbage: 'not-a-jwt', revoked: revoked.token, used: used.token, 'a verification token': verifyToken };
    for (const [name, token] of Object.entries(cases)) {
      const email = uniqueEmail(name.replace(/\W/g, ''));
      const before = await snapshot(t);
      const res = await register(t, { email, inviteToken: token });
      expect({ name, status: res.statusCode, code: res.json<{ error: { code: string } }>().error.code }).toEqual({ name, status: 400, code: 'invalid_token' });
      expect(res.cookies.filter((c) => c.value !== '')).toEqual([]);
      expect(await snapshot(t)).toEqual(before);
    }
    const late = await inviteOk(t, owner.agent, uniqueEmail('late'));
    t.clock.advance(t.config.inviteTokenTtlMs + 1000);
    const before = await snapshot(t);
    expectError(await register(t, { email: uniqueEmail('late'), inviteToken: late.token }), 410, 'token_expired');
    expect(await snapshot(t)).toEqual(before);
  });

  it('organizationName with inviteToken → 400, and an address already taken → 409: nothing created, the invitation still works', async () => {
    const owner = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, uniqueEmail('kept'));
    let before = await snapshot(t);
    const both = await register(t, { email: uniqueEmail('both'), inviteToken: token, organizationName: 'Mine' });
    expectError(both, 400, 'invalid_request');
    expect(both.json<{ error: { fields: Record<string, string> } }>().error.fields).toHaveProperty('organizationName');
    expect(await snapshot(t)).toEqual(before);
    const taken = await newUser(t);
    before = await snapshot(t);
    expectError(await register(t, { email: taken.email, inviteToken: token }), 409, 'email_taken');
    expect(await snapshot(t)).toEqual(before);
    expect((await register(t, { email: uniqueEmail('finally'), inviteToken: token })).statusCode).toBe(201);
  });

  it('two registrations racing with one link: exactly one joins, the other leaves no account behind', async () => {
    const owner = await newUser(t);
    const { token } = await inviteOk(t, owner.agent, uniqueEmail('race'));
    const emails = [uniqueEmail('racer-a'), uniqueEmail('racer-b')];
    const results = await Promise.all(emails.map((email) => register(t, { email, inviteToken: token })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 400]);
    const loser = emails[results.findIndex((r) => r.statusCode === 400)]!;
    expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', loser).executeTakeFirst()).toBeUndefined();
    expect((await members(owner.agent)).length).toBe(2);
  });

  it('without inviteToken, registration is unchanged: a personal organization as owner', async () => {
    const res = await register(t, { email: uniqueEmail('plain') });
    expect(res.statusCode).toBe(201);
    expect(res.json<Registered>().user.organization).toMatchObject({ name: "Ivan Invitee's organization", role: 'owner' });
  });
});
