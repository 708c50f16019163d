import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, login, tokenFromEmail, type TestApp } from '../helpers/app.js';
import type { UserView } from '../../src/account/users.js';
import type { AdminUserView } from '../../src/admin/users-query.js';
import { newUser, withApp } from '../core/support.js';
export { liveSessionIds } from '../core/support.js';

/** The API's own view types: what /api/auth/me and the admin user list return. */
export type { UserView } from '../../src/account/users.js';
export type { AdminUserView } from '../../src/admin/users-query.js';

export interface UserList {
  users: AdminUserView[];
  page: number;
  pageSize: number;
  total: number;
}

export interface EventView {
  id: string;
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
  actor: { id: string; email: string } | null;
  target: { id: string; email: string } | null;
}

export interface Person {
  agent: Agent;
  id: string;
  email: string;
  orgId: string;
}

/** Admins are made the way an operator would: by the site role in the database. */
export async function setRole(t: TestApp, userId: string, role: 'user' | 'admin'): Promise<void> {
  await t.db.kysely.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

export async function newAdmin(t: TestApp, fields: { name?: string; email?: string } = {}): Promise<Person> {
  const u = await newUser(t, fields);
  await setRole(t, u.id, 'admin');
  return { agent: u.agent, id: u.id, email: u.email, orgId: u.orgId };
}

export async function newPlainUser(t: TestApp, fields: { name?: string; email?: string; organizationName?: string } = {}): Promise<Person> {
  const u = await newUser(t, fields);
  return { agent: u.agent, id: u.id, email: u.email, orgId: u.orgId };
}

/** withApp (test/core/support.ts) with one site admin. */
export function withAdminApp(use: (t: TestApp, admin: Person) => void, fields: { name?: string } = {}): void {
  withApp((t) => newAdmin(t, fields), use);
}

/** A second agent holding exactly the given cookies (e.g. a token saved before it was replaced). */
export function agentWith(t: TestApp, jar: ReadonlyMap<string, string>): Agent {
  const a = new Agent(t);
  for (const [k, v] of jar) a.jar.set(k, v);
  return a;
}

export function snapshot(agent: Agent): Map<string, string> {
  return new Map(agent.jar);
}

export async function me(agent: Agent): Promise<{ user: UserView; session: { id: string }; impersonator: { id: string; email: string; name: string } | null }> {
  const res = await agent.get('/api/auth/me');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** One page of GET /api/admin/users (`query` is the query string, with its `?`). */
export async function listUsers(admin: Agent, query: string): Promise<UserList> {
  const res = await admin.get(`/api/admin/users${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<UserList>();
}

/** Starts impersonating `userId` with the admin's agent (its jar now holds the target's cookie pair). */
export async function impersonate(admin: Agent, userId: string): Promise<LightMyRequestResponse> {
  const res = await admin.post('/api/admin/impersonate', { userId });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

export async function userRow(t: TestApp, id: string): Promise<{ id: string; role: string; disabled: number; email: string; name: string } | undefined> {
  return t.db.kysely.selectFrom('users').select(['id', 'role', 'disabled', 'email', 'name']).where('id', '=', id).executeTakeFirst();
}

export async function eventCount(t: TestApp): Promise<number> {
  const row = await t.db.kysely.selectFrom('security_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return row?.n ?? 0;
}

export async function ownEvents(agent: Agent): Promise<EventView[]> {
  const res = await agent.get('/api/security-events');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: EventView[] }>().events;
}

/** `member` joins `owner`'s organization with `role` through a real invitation link. */
export async function joinOrg(t: TestApp, owner: Person, member: Person, role: 'admin' | 'member'): Promise<void> {
  const inv = await owner.agent.post('/api/org/invitations', { email: member.email, role });
  expect(inv.statusCode, inv.body).toBe(201);
  const token = await tokenFromEmail(t, member.email, '/join');
  const res = await member.agent.post('/api/org/join', { token });
  expect(res.statusCode, res.body).toBe(200);
}

export async function signIn(t: TestApp, email: string): Promise<Agent> {
  return login(t, email, STRONG_PASSWORD);
}

export interface Impersonation {
  admin: Person;
  target: Person;
  /** The admin's own cookie pair from before the impersonation. */
  adminJar: Map<string, string>;
  /** The impersonation's cookie pair (what admin.agent holds right after starting). */
  impJar: Map<string, string>;
  adminSessionId: string;
}

/** A fresh admin ("Ada Admin") impersonating a fresh user ("Tom Target"). */
export async function startedImpersonation(t: TestApp): Promise<Impersonation> {
  const admin = await newAdmin(t, { name: 'Ada Admin' });
  const target = await newPlainUser(t, { name: 'Tom Target' });
  const adminSessionId = (await me(admin.agent)).session.id;
  const adminJar = snapshot(admin.agent);
  await impersonate(admin.agent, target.id);
  return { admin, target, adminJar, impJar: snapshot(admin.agent), adminSessionId };
}
