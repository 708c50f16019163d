import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, buildTestApp, login, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { expectError, newUser } from '../core/support.js';
import { events, orgWith, outboxSize, snapshot } from '../org/support.js';

interface UserBody {
  user: { id: string; email: string; name: string; emailVerified: boolean; organization: { id: string; name: string; role: string } };
}

async function userRow(t: TestApp, id: string): Promise<Record<string, unknown> | undefined> {
  return t.db.kysely.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

async function orgName(t: TestApp, id: string): Promise<string | undefined> {
  return (await t.db.kysely.selectFrom('organizations').select('name').where('id', '=', id).executeTakeFirst())?.name;
}

describe('PATCH /api/profile', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies only the fields present', async () => {
    const u = await newUser(t, { name: 'Before', organizationName: 'Org Before' });
    const row = await userRow(t, u.id);
    t.clock.advance(1000);
    const res = await u.agent.patch('/api/profile', { name: '  After  ' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<UserBody>().user).toMatchObject({ id: u.id, email: u.email, name: 'After', organization: { name: 'Org Before' } });
    expect(await userRow(t, u.id)).toEqual({ ...row, name: 'After', updated_at: t.clock.now() });
    const org = await u.agent.patch('/api/profile', { organizationName: 'Org After' });
    expect(org.json<UserBody>().user).toMatchObject({ name: 'After', organization: { id: u.orgId, name: 'Org After', role: 'owner' } });
    expect(await orgName(t, u.orgId)).toBe('Org After');
  });

  it('{} changes nothing (the full user row, the org, no email)', async () => {
    const u = await newUser(t, { name: 'Same' });
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    t.clock.advance(1000);
    const res = await u.agent.patch('/api/profile', {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<UserBody>().user).toMatchObject({ id: u.id, email: u.email, name: 'Same' });
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('null, wrong types, unknown fields and bad values → 400 invalid_request, nothing changed', async () => {
    const u = await newUser(t, { name: 'Stable' });
    const bodies: unknown[] = [
      { name: null },
      { email: null, currentPassword: u.password },
      { organizationName: null },
      { currentPassword: null },
      { name: 42 },
      { name: true },
      { name: ['x'] },
      { name: { first: 'x' } },
      { email: 123, currentPassword: u.password },
      { organizationName: 7 },
      { currentPassword: 12345678, email: uniqueEmail() },
      { nickname: 'x' },
      { name: 'Valid', role: 'admin' },
      { name: 'Valid', emailVerified: true },
      { name: '' },
      { name: '   ' },
      { name: 'a\u0007b' },
      { name: 'x'.repeat(101) },
      { organizationName: '' },
      [],
      [{ name: 'x' }],
    ];
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    for (const body of bodies) {
      expectError(await u.agent.patch('/api/profile', body), 400, 'invalid_request');
    }
    expectError(await u.agent.patch('/api/profile', 'null', { headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
    expectError(await u.agent.patch('/api/profile', '{"name":', { headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
    expectError(await u.agent.patch('/api/profile'), 400, 'invalid_request');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('needs a session and the CSRF header', async () => {
    const u = await newUser(t);
    const before = await snapshot(t);
    expectError(await new Agent(t).patch('/api/profile', { name: 'X' }), 401, 'unauthenticated');
    expectError(await u.agent.patch('/api/profile', { name: 'X' }, { noCsrf: true }), 403, 'csrf_failed');
    expect(await snapshot(t)).toEqual(before);
  });

  it('organizationName needs org owner or admin: a member → 403 and nothing changes, not even the name', async () => {
    const { owner, people, orgId } = await orgWith(t, ['admin', 'member'], 'Owner');
    const [admin, member] = [people[0]!, people[1]!];
    const before = await snapshot(t);
    expectError(await member.agent.patch('/api/profile', { name: 'Renamed', organizationName: 'Hijacked' }), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
    const res = await admin.agent.patch('/api/profile', { organizationName: 'By Admin' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await orgName(t, orgId)).toBe('By Admin');
    expect((await owner.agent.get('/api/org')).json<{ organization: { name: string } }>().organization.name).toBe('By Admin');
  });
});

describe('PATCH /api/profile: email change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('without currentPassword → 400; with a wrong one → 401 invalid_credentials; nothing changes, name included', async () => {
    const u = await newUser(t, { name: 'Keep' });
    const target = uniqueEmail('new');
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    expectError(await u.agent.patch('/api/profile', { name: 'Changed', email: target }), 400, 'invalid_request');
    expectError(await u.agent.patch('/api/profile', { name: 'Changed', email: target, currentPassword: 'wrong password entirely' }), 401, 'invalid_credentials');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
    expect((await events(u.agent)).map((e) => e.type)).not.toContain('email_changed');
  });

  it('a bad format → 400 (with the right password), nothing changes', async () => {
    const u = await newUser(t);
    const before = await snapshot(t);
    for (const email of ['not-an-email', 'a@', '@b.example', 'two@@example.test', '']) {
      expectError(await u.agent.patch('/api/profile', { name: 'Changed', email, currentPassword: u.password }), 400, 'invalid_request');
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('an address already in use (any case, surrounding spaces) → 409 email_taken, nothing changes', async () => {
    const u = await newUser(t);
    const other = await newUser(t);
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    for (const email of [other.email, other.email.toUpperCase(), `  ${other.email}\t`, ` ${other.email.replace(/^./, (c) => c.toUpperCase())} `]) {
      expectError(await u.agent.patch('/api/profile', { name: 'Changed', email, currentPassword: u.password }), 409, 'email_taken');
    }
    // A session alone cannot probe which addresses have accounts: the password comes first.
    expectError(await u.agent.patch('/api/profile', { email: other.email }), 400, 'invalid_request');
    expectError(await u.agent.patch('/api/profile', { email: other.email, currentPassword: 'wrong password entirely' }), 401, 'invalid_credentials');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('success: normalized, unverified, verification at the new address, notice at the old, old link dead', async () => {
    const u = await newUser(t, { name: 'Mover' });
    const oldLink = await tokenFromEmail(t, u.email, '/verify-email');
    const newEmail = uniqueEmail('moved');
    // Verify a second link first, so that the change visibly un-verifies the account.
    expect((await u.agent.post('/api/auth/resend-verification')).statusCode).toBe(202);
    const verifiedWith = await tokenFromEmail(t, u.email, '/verify-email');
    expect((await new Agent(t).post('/api/auth/verify-email', { token: verifiedWith })).statusCode).toBe(200);
    expect((await userRow(t, u.id))?.email_verified).toBe(1);
    const sent = await outboxSize(t);
    const res = await u.agent.patch('/api/profile', { email: `  ${newEmail.toUpperCase()} `, name: 'Moved', currentPassword: u.password });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<UserBody>().user).toMatchObject({ email: newEmail, name: 'Moved', emailVerified: false });
    const mails = (await t.outbox()).slice(sent);
    expect(mails.map((m) => m.to).sort()).toEqual([u.email, newEmail].sort());
    expect(mails.find((m) => m.to === u.email)?.text).toContain(newEmail);
    expect(mails.find((m) => m.to === u.email)?.text).not.toContain('token=');
    const newLink = await tokenFromEmail(t, newEmail, '/verify-email');
    expectError(await new Agent(t).post('/api/auth/verify-email', { token: oldLink }), 400, 'invalid_token');
    expect((await new Agent(t).post('/api/auth/verify-email', { token: newLink })).statusCode).toBe(200);
    expect((await u.agent.get('/api/auth/me')).json<UserBody>().user).toMatchObject({ email: newEmail, emailVerified: true });
    // Sign-in follows the address.
    expectError(await new Agent(t).post('/api/auth/login', { email: u.email, password: u.password }), 401, 'invalid_credentials');
    expect((await login(t, newEmail, STRONG_PASSWORD)).sessionCookie).toBeDefined();
    const changed = (await events(u.agent)).find((e) => e.type === 'email_changed');
    expect(changed).toMatchObject({ actor: { id: u.id }, target: { id: u.id, email: newEmail } });
    // The old address is free again.
    expect((await newUser(t, { email: u.email })).id).not.toBe(u.id);
  });

  it('the same address again (any case) is no change: no password needed, nothing sent', async () => {
    const u = await newUser(t);
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    const res = await u.agent.patch('/api/profile', { email: ` ${u.email.toUpperCase()} ` });
    expect(res.statusCode, res.body).toBe(200);
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
  });

  it('while impersonating, email change → 403 forbidden even with the right password', async () => {
    const admin = await newUser(t);
    await t.db.kysely.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const victim = await newUser(t, { name: 'Victim' });
    const imp = await admin.agent.post('/api/admin/impersonate', { userId: victim.id });
    expect(imp.statusCode, imp.body).toBe(200);
    expect((await admin.agent.get('/api/auth/me')).json<{ impersonator: { id: string } | null }>().impersonator?.id).toBe(admin.id);
    const before = await snapshot(t);
    const sent = await outboxSize(t);
    const target = uniqueEmail('takeover');
    expectError(await admin.agent.patch('/api/profile', { email: target, currentPassword: victim.password }), 403, 'forbidden');
    expectError(await admin.agent.patch('/api/profile', { email: target, name: 'Renamed', currentPassword: victim.password }), 403, 'forbidden');
    expectError(await admin.agent.delete('/api/profile', { password: victim.password }), 403, 'forbidden');
    expect(await snapshot(t)).toEqual(before);
    expect(await outboxSize(t)).toBe(sent);
    // A name change is allowed, and the victim's log shows who made it.
    expect((await admin.agent.patch('/api/profile', { name: 'Fixed typo' })).statusCode).toBe(200);
    const victimAgent = await login(t, victim.email, STRONG_PASSWORD);
    expect(await events(victimAgent)).toContainEqual(expect.objectContaining({ type: 'profile_updated', actor: { id: admin.id, email: admin.email } }));
  });
});
