import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { tokenFromEmail, type Agent, type TestApp } from '../helpers/app.js';
import { newUser } from '../core/support.js';
import type { InvitationView } from '../../src/org/invitations.js';
import type { MemberView } from '../../src/org/organizations.js';
import type { OrgRole } from '../../src/account/users.js';

export type { InvitationView, MemberView, OrgRole };

/** Shared by test/org and test/profile: fixtures for organizations and "nothing changed" snapshots. */

export interface Person {
  readonly agent: Agent;
  readonly email: string;
  readonly password: string;
  readonly id: string;
  /** The personal organization created at registration. */
  readonly orgId: string;
}


/**
 * Every row that an organization or profile operation could touch, in a stable order. Security
 * events and the outbox are left out on purpose: refusals may log a failed attempt.
 */
export async function snapshot(t: TestApp): Promise<Record<string, unknown[]>> {
  const k = t.db.kysely;
  return {
    users: await k.selectFrom('users').selectAll().orderBy('id').execute(),
    organizations: await k.selectFrom('organizations').selectAll().orderBy('id').execute(),
    memberships: await k.selectFrom('memberships').selectAll().orderBy('user_id').execute(),
    invitations: await k.selectFrom('invitations').selectAll().orderBy('id').execute(),
    emailTokens: await k.selectFrom('email_tokens').selectAll().orderBy('id').execute(),
    sessions: await k.selectFrom('sessions').selectAll().orderBy('id').execute(),
  };
}

export async function outboxSize(t: TestApp): Promise<number> {
  return (await t.outbox()).length;
}

export async function membershipOf(t: TestApp, userId: string): Promise<{ org_id: string; role: string } | undefined> {
  return t.db.kysely.selectFrom('memberships').select(['org_id', 'role']).where('user_id', '=', userId).executeTakeFirst();
}

export async function orgExists(t: TestApp, orgId: string): Promise<boolean> {
  return (await t.db.kysely.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst()) !== undefined;
}

export async function invite(agent: Agent, email: string, role?: 'admin' | 'member'): Promise<LightMyRequestResponse> {
  return agent.post('/api/org/invitations', role === undefined ? { email } : { email, role });
}

/** Invites `email` and returns the invitation and the token from the join link in the email. */
export async function inviteOk(t: TestApp, agent: Agent, email: string, role?: 'admin' | 'member'): Promise<{ invitation: InvitationView; token: string }> {
  const res = await invite(agent, email, role);
  expect(res.statusCode, res.body).toBe(201);
  const invitation = res.json<{ invitation: InvitationView }>().invitation;
  return { invitation, token: await tokenFromEmail(t, email, '/join') };
}

export async function join(agent: Agent, token: string): Promise<LightMyRequestResponse> {
  return agent.post('/api/org/join', { token });
}

export async function members(agent: Agent): Promise<MemberView[]> {
  const res = await agent.get('/api/org');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ members: MemberView[] }>().members;
}

export async function pending(agent: Agent): Promise<InvitationView[]> {
  const res = await agent.get('/api/org/invitations');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ invitations: InvitationView[] }>().invitations;
}

/** An owner plus people who joined with the given roles, each through a real invitation link. */
export async function orgWith(t: TestApp, roles: readonly ('admin' | 'member')[], name = 'Owner'): Promise<{ owner: Person; people: Person[]; orgId: string }> {
  const owner = await newUser(t, { name });
  const people: Person[] = [];
  for (const [i, role] of roles.entries()) {
    const p = await newUser(t, { name: `${role} ${String(i)}` });
    const { token } = await inviteOk(t, owner.agent, p.email, role);
    const res = await join(p.agent, token);
    expect(res.statusCode, res.body).toBe(200);
    people.push(p);
  }
  return { owner, people, orgId: owner.orgId };
}

export interface EventView {
  type: string;
  actor: { id: string; email: string } | null;
  target: { id: string; email: string } | null;
}

export async function events(agent: Agent): Promise<EventView[]> {
  const res = await agent.get('/api/security-events');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: EventView[] }>().events;
}
