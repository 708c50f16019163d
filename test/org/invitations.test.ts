import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { expectError, newUser } from '../core/support.js';
import { invite, inviteOk, join, members, orgWith, outboxSize, pending, snapshot, type InvitationView } from './support.js';

const PUBLIC_URL = 'http://auth.example.test:8080';

describe('GET /api/org and invitations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_URL } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /api/org: the organization and its members with {userId,email,name,role,joinedAt}', async () => {
    const owner = await newUser(t, { name: 'Olga Owner', organizationName: 'Acme' });
    const res = await owner.agent.get('/api/org');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ organization: Record<string, unknown>; members: Record<string, unknown>[] }>();
    expect(body.organization).toMatchObject({ id: owner.orgId, name: 'Acme', role: 'owner' });
    expect(body.members).toEqual([
      { userId: owner.id, email: owner.email, name: 'Olga Owner', role: 'owner', joinedAt: new Date(t.clock.now()).toISOString(), mfa: false },
    ]);
    expectError(await t.app.inject({ method: 'GET', url: '/api/org' }), 401, 'unauthenticated');
  });

  it('invite → 201 {invitation} and an email whose /join link is built from PUBLIC_URL, never from Host', async () => {
    const owner = await newUser(t, { name: 'Ivy' });
    const email = uniqueEmail('invitee');
    const res = await owner.agent.post('/api/org/invitations', { email: `  ${email.toUpperCase()} ` }, { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } });
    expect(res.statusCode, res.body).toBe(201);
    const inv = res.json<{ invitation: InvitationView }>().invitation;
    expect(Object.keys(inv).sort()).toEqual(['createdAt', 'email', 'expiresAt', 'id', 'invitedBy', 'role']);
    expect(inv).toMatchObject({ email, role: 'member', invitedBy: { id: owner.id, email: owner.email } });
    expect(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)).toBe(t.config.inviteTokenTtlMs);
    const mail = (await t.outbox()).filter((m) => m.to === email);
    expect(mail).toHaveLength(1);
    expect(mail[0]?.text).toContain(`${PUBLIC_URL}/join?token=`);
    expect(mail[0]?.text).not.toContain('evil.example');
    expect(mail[0]?.html).toContain(`${PUBLIC_URL}/join?token=`);
    expect(await pending(owner.agent)).toEqual([inv]);
  });

  it('an admin may invite admins; an owner role cannot be invited (400); unknown fields → 400', async () => {
    const { owner, people } = await orgWith(t, ['admin']);
    const admin = people[0]!;
    const { invitation } = await inviteOk(t, admin.agent, uniqueEmail(), 'admin');
    expect(invitation.role).toBe('admin');
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    expectError(await invite(owner.agent, uniqueEmail(), 'owner' as 'admin'), 400, 'invalid_request');
    expectError(await owner.agent.post('/api/org/invitations', { email: uniqueEmail(), orgId: 'x' }), 400, 'invalid_request');
    expectError(await owner.agent.post('/api/org/invitations', { email: 'not-an-email' }), 400, 'invalid_request');
    expectError(await owner.agent.post('/api/org/invitations', { email: null }), 400, 'invalid_request');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('a plain member cannot invite, list or revoke (403), and nothing is created or sent', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const member = people[0]!;
    const { invitation } = await inviteOk(t, owner.agent, uniqueEmail());
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    expectError(await invite(member.agent, uniqueEmail()), 403, 'forbidden');
    expectError(await member.agent.get('/api/org/invitations'), 403, 'forbidden');
    expectError(await member.agent.delete(`/api/org/invitations/${invitation.id}`), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
    expect((await pending(owner.agent)).map((i) => i.id)).toEqual([invitation.id]);
  });

  it('inviting someone who is already a member → 409 conflict, nothing sent', async () => {
    const { owner, people } = await orgWith(t, ['member']);
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    expectError(await invite(owner.agent, people[0]!.email.toUpperCase()), 409, 'conflict');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('lists pending invitations only: not used, revoked or superseded ones', async () => {
    const owner = await newUser(t);
    const used = await newUser(t);
    const a = await inviteOk(t, owner.agent, used.email);
    const b = await inviteOk(t, owner.agent, uniqueEmail());
    const c = await inviteOk(t, owner.agent, uniqueEmail());
    expect((await pending(owner.agent)).map((i) => i.id).sort()).toEqual([a.invitation.id, b.invitation.id, c.invitation.id].sort());
    expect((await join(used.agent, a.token)).statusCode).toBe(200);
    expect((await owner.agent.delete(`/api/org/invitations/${b.invitation.id}`)).statusCode).toBe(204);
    expect((await pending(owner.agent)).map((i) => i.id)).toEqual([c.invitation.id]);
  });

  it('revoke → 204 and the link then gives 400 invalid_token; revoking twice → 404', async () => {
    const owner = await newUser(t);
    const joiner = await newUser(t);
    const { invitation, token } = await inviteOk(t, owner.agent, joiner.email);
    expect((await owner.agent.delete(`/api/org/invitations/${invitation.id}`)).statusCode).toBe(204);
    const before = await snapshot(t);
    expectError(await join(joiner.agent, token), 400, 'invalid_token');
    expectError(await owner.agent.delete(`/api/org/invitations/${invitation.id}`), 404, 'not_found');
    expect(await snapshot(t)).toEqual(before);
    expect(await pending(owner.agent)).toEqual([]);
  });

  it("another organization's invitation id → 404 and it stays valid", async () => {
    const owner = await newUser(t);
    const stranger = await newUser(t);
    const joiner = await newUser(t);
    const { invitation, token } = await inviteOk(t, owner.agent, joiner.email);
    expectError(await stranger.agent.delete(`/api/org/invitations/${invitation.id}`), 404, 'not_found');
    expectError(await stranger.agent.delete('/api/org/invitations/does-not-exist'), 404, 'not_found');
    expect(await pending(stranger.agent)).toEqual([]);
    expect((await pending(owner.agent)).map((i) => i.id)).toEqual([invitation.id]);
    expect((await join(joiner.agent, token)).statusCode).toBe(200);
  });

  it('a new invitation to the same address supersedes the pending one: the old link dies (400)', async () => {
    const owner = await newUser(t);
    const joiner = await newUser(t);
    const first = await inviteOk(t, owner.agent, joiner.email);
    const second = await inviteOk(t, owner.agent, joiner.email, 'admin');
    expect(second.token).not.toBe(first.token);
    expect((await pending(owner.agent)).map((i) => i.id)).toEqual([second.invitation.id]);
    expectError(await join(joiner.agent, first.token), 400, 'invalid_token');
    expect((await join(joiner.agent, second.token)).json()).toMatchObject({ organization: { id: owner.orgId, role: 'admin' } });
  });

  it('invitation emails count against the per-address hourly budget (429, nothing created)', async () => {
    const owner = await newUser(t);
    const email = uniqueEmail('flood');
    for (let i = 0; i < t.config.emailMaxPerAddress; i += 1) await inviteOk(t, owner.agent, email);
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    const res = await invite(owner.agent, email);
    expectError(res, 429, 'rate_limited');
    expect(res.headers['retry-after']).toBeDefined();
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
    // The token from the last delivered email is still the live one.
    const last = await tokenFromEmail(t, email, '/join');
    const joiner = await newUser(t);
    expect((await join(joiner.agent, last)).statusCode).toBe(200);
    expect((await members(owner.agent)).map((m) => m.userId)).toContain(joiner.id);
  });
});
