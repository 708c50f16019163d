import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, buildTestApp, login, type TestApp } from '../helpers/app.js';
import { activeSessionCount, eventTypes, expectCookiesCleared, expectError, newUser, sessionRow, whoAmI } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastActiveAt: string;
  userAgent: string | null;
  ip: string | null;
}

async function listSessions(agent: Agent): Promise<SessionView[]> {
  const res = await agent.get('/api/sessions');
  expect(res.statusCode).toBe(200);
  return res.json<{ sessions: SessionView[] }>().sessions;
}

describe('every request re-checks session and user', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("a disabled user's live cookie is refused on the very next request (403 account_inactive), reads and writes", async () => {
    const { agent, id, email } = await newUser(t);
    const other = await login(t, email, STRONG_PASSWORD);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', id).execute();
    expectError(await agent.get('/api/auth/me'), 403, 'account_inactive');
    expectError(await agent.get('/api/sessions'), 403, 'account_inactive');
    expectError(await agent.post('/api/sessions/revoke-others'), 403, 'account_inactive');
    expect(await activeSessionCount(t, id)).toBe(2);
    // The right password does not get a disabled user in either; a wrong one reveals nothing more.
    const res = await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD });
    expectError(res, 403, 'account_inactive');
    expect(res.cookies).toHaveLength(0);
    expectError(await new Agent(t).post('/api/auth/login', { email, password: 'wrong password here' }), 401, 'invalid_credentials');
    expect(await activeSessionCount(t, id)).toBe(2);
    expectError(await other.get('/api/auth/me'), 403, 'account_inactive');
  });

  it('a deleted user gets 401 unauthenticated and both cookies cleared', async () => {
    const { agent, id } = await newUser(t);
    await t.db.kysely.deleteFrom('users').where('id', '=', id).execute();
    const res = await agent.get('/api/auth/me');
    expectError(res, 401, 'unauthenticated');
    expectCookiesCleared(res);
  });

  it('a session revoked from another device is refused at once (401, cookies cleared)', async () => {
    const { agent: a, email } = await newUser(t);
    const b = await login(t, email, STRONG_PASSWORD, '10.200.0.2', 'Device B');
    const aId = (await whoAmI(a)).sessionId;
    const listed = await listSessions(b);
    expect(listed).toHaveLength(2);
    expect(listed.find((s) => s.current)?.userAgent).toBe('Device B');
    expect(listed.find((s) => !s.current)?.id).toBe(aId);
    for (const s of listed) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['createdAt', 'current', 'id', 'ip', 'lastActiveAt', 'userAgent']));
    expect((await b.delete(`/api/sessions/${aId}`)).statusCode).toBe(204);
    const res = await a.get('/api/auth/me');
    expectError(res, 401, 'unauthenticated');
    expectCookiesCleared(res);
    expect((await b.get('/api/auth/me')).statusCode).toBe(200);
    expect((await listSessions(b)).map((s) => s.id)).not.toContain(aId);
    // Revoking it again: it is gone.
    expectError(await b.delete(`/api/sessions/${aId}`), 404, 'not_found');
  });

  it("someone else's session id → 404 and it stays alive", async () => {
    const victim = await newUser(t);
    const attacker = await newUser(t);
    const victimSession = (await whoAmI(victim.agent)).sessionId;
    expectError(await attacker.agent.delete(`/api/sessions/${victimSession}`), 404, 'not_found');
    expect((await sessionRow(t, victimSession))?.revoked_at).toBeNull();
    expect((await victim.agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('revoke-others kills every other session and keeps this one', async () => {
    const { agent: a, email, id } = await newUser(t);
    const b = await login(t, email, STRONG_PASSWORD);
    const c = await login(t, email, STRONG_PASSWORD);
    expect((await a.post('/api/sessions/revoke-others')).statusCode).toBe(204);
    expectError(await b.get('/api/auth/me'), 401, 'unauthenticated');
    expectError(await c.get('/api/auth/me'), 401, 'unauthenticated');
    expect((await a.get('/api/auth/me')).statusCode).toBe(200);
    expect(await activeSessionCount(t, id)).toBe(1);
  });

  it('logout clears the pair and sends Clear-Site-Data; replaying the old pair → 401 with cookies cleared', async () => {
    const { agent, email } = await newUser(t);
    const other = await login(t, email, STRONG_PASSWORD);
    const old = new Map(agent.jar);
    const out = await agent.post('/api/auth/logout');
    expect(out.statusCode).toBe(204);
    expect(out.headers['clear-site-data']).toContain('"cookies"');
    expectCookiesCleared(out);
    const replay = new Agent(t);
    for (const [k, v] of old) replay.jar.set(k, v);
    const me = await replay.get('/api/auth/me');
    expectError(me, 401, 'unauthenticated');
    expectCookiesCleared(me);
    for (const [k, v] of old) replay.jar.set(k, v);
    expectError(await replay.post('/api/auth/logout'), 401, 'unauthenticated');
    for (const [k, v] of old) replay.jar.set(k, v);
    expectError(await replay.post('/api/sessions/revoke-others'), 401, 'unauthenticated');
    // Logging out one device leaves the others alone.
    expect((await other.get('/api/auth/me')).statusCode).toBe(200);
  });
});

describe('a fresh session at every login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the session id and both cookies differ at every login', async () => {
    const { email } = await newUser(t);
    const seen = new Set<string>();
    const cookies = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const a = await login(t, email, STRONG_PASSWORD);
      seen.add((await whoAmI(a)).sessionId);
      cookies.add(a.sessionCookie ?? '');
      cookies.add(a.csrfCookie ?? '');
    }
    expect(seen.size).toBe(3);
    expect(cookies.size).toBe(6);
  });

  it('a session cookie presented at login is revoked (no fixation, no orphan)', async () => {
    const { agent, email } = await newUser(t);
    const before = (await whoAmI(agent)).sessionId;
    const old = new Map(agent.jar);
    const res = await agent.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    expect(res.statusCode).toBe(200);
    const after = (await whoAmI(agent)).sessionId;
    expect(after).not.toBe(before);
    expect((await sessionRow(t, before))?.revoked_at).not.toBeNull();
    const replay = new Agent(t);
    for (const [k, v] of old) replay.jar.set(k, v);
    expectError(await replay.get('/api/auth/me'), 401, 'unauthenticated');
  });

  it('the session token never appears in a response body', async () => {
    const { agent, email } = await newUser(t);
    const res = await agent.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    const token = agent.sessionCookie ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(res.body).not.toContain(token);
    for (const url of ['/api/auth/me', '/api/sessions', '/api/security-events']) {
      expect((await agent.get(url)).body).not.toContain(token);
    }
  });
});

describe('MAX_SESSIONS', () => {
  it('the 6th login evicts the least recently active session (not the oldest)', async () => {
    const t = await buildTestApp();
    try {
      const { agent: s1, email, id } = await newUser(t);
      const agents = [s1];
      for (let i = 2; i <= 5; i += 1) {
        t.clock.advance(2 * MINUTE);
        agents.push(await login(t, email, STRONG_PASSWORD));
      }
      const ids = await Promise.all(agents.map(async (a) => (await whoAmI(a)).sessionId));
      // s1 is the oldest but was just used: s2 is now the least recently active.
      t.clock.advance(2 * MINUTE);
      expect((await s1.get('/api/auth/me')).statusCode).toBe(200);
      t.clock.advance(2 * MINUTE);
      const s6 = await login(t, email, STRONG_PASSWORD);
      expect(await activeSessionCount(t, id)).toBe(5);
      expect((await sessionRow(t, ids[1] ?? ''))?.revoked_at).not.toBeNull();
      expectError(await (agents[1] as Agent).get('/api/auth/me'), 401, 'unauthenticated');
      for (const a of [agents[0], agents[2], agents[3], agents[4], s6]) expect((await (a as Agent).get('/api/auth/me')).statusCode).toBe(200);
      expect(await eventTypes(s6)).toContain('session_evicted');
    } finally {
      await t.close();
    }
  });

  it('20 concurrent logins leave at most MAX_SESSIONS active', async () => {
    const t = await buildTestApp();
    try {
      const { email, id } = await newUser(t);
      const agents = Array.from({ length: 20 }, (_, i) => new Agent(t, `10.99.0.${String(i + 1)}`));
      const results = await Promise.all(agents.map((a) => a.post('/api/auth/login', { email, password: STRONG_PASSWORD })));
      for (const r of results) expect(r.statusCode).toBe(200);
      expect(await activeSessionCount(t, id)).toBeLessThanOrEqual(t.config.maxSessions);
      const alive = (await Promise.all(agents.map((a) => a.get('/api/auth/me')))).filter((r) => r.statusCode === 200);
      expect(alive.length).toBeGreaterThan(0);
      expect(alive.length).toBeLessThanOrEqual(5);
    } finally {
      await t.close();
    }
  });

  it('MAX_SESSIONS=2 is honoured under concurrency too', async () => {
    const t = await buildTestApp({ env: { MAX_SESSIONS: '2' } });
    try {
      const { email, id } = await newUser(t);
      const agents = Array.from({ length: 10 }, () => new Agent(t));
      await Promise.all(agents.map((a) => a.post('/api/auth/login', { email, password: STRONG_PASSWORD })));
      expect(await activeSessionCount(t, id)).toBeLessThanOrEqual(2);
      const alive = (await Promise.all(agents.map((a) => a.get('/api/auth/me')))).filter((r) => r.statusCode === 200);
      expect(alive.length).toBeLessThanOrEqual(2);
    } finally {
      await t.close();
    }
  });
});

describe('expiry and lastActiveAt', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('idle expiry: no request for more than SESSION_IDLE_TTL → 401, cookies cleared', async () => {
    const { agent } = await newUser(t);
    t.clock.advance(t.config.sessionIdleTtlMs + 2 * MINUTE);
    const res = await agent.get('/api/auth/me');
    expectError(res, 401, 'unauthenticated');
    expectCookiesCleared(res);
  });

  it('activity keeps a session alive past the idle TTL', async () => {
    const { agent } = await newUser(t);
    for (let i = 0; i < 3; i += 1) {
      t.clock.advance(t.config.sessionIdleTtlMs - 5 * MINUTE);
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    }
  });

  it('absolute expiry: past SESSION_TTL → 401 even when active all along', async () => {
    const { agent } = await newUser(t);
    const start = t.clock.now();
    while (t.clock.now() + 12 * HOUR < start + t.config.sessionTtlMs - MINUTE) {
      t.clock.advance(12 * HOUR);
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    }
    t.clock.set(start + t.config.sessionTtlMs - MINUTE);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    t.clock.advance(2 * MINUTE);
    const res = await agent.get('/api/auth/me');
    expectError(res, 401, 'unauthenticated');
    expectCookiesCleared(res);
  });

  it('the row decides too: a row expired or idle in the database is refused though its JWT is still valid', async () => {
    const a = await newUser(t);
    const aId = (await whoAmI(a.agent)).sessionId;
    await t.db.kysely.updateTable('sessions').set({ expires_at: t.clock.now() - 1 }).where('id', '=', aId).execute();
    expectError(await a.agent.get('/api/auth/me'), 401, 'unauthenticated');
    const b = await newUser(t);
    const bId = (await whoAmI(b.agent)).sessionId;
    await t.db.kysely.updateTable('sessions').set({ last_active_at: t.clock.now() - t.config.sessionIdleTtlMs - 1 }).where('id', '=', bId).execute();
    expectError(await b.agent.get('/api/auth/me'), 401, 'unauthenticated');
    const c = await newUser(t);
    const cId = (await whoAmI(c.agent)).sessionId;
    await t.db.kysely.updateTable('sessions').set({ revoked_at: t.clock.now() }).where('id', '=', cId).execute();
    expectError(await c.agent.get('/api/auth/me'), 401, 'unauthenticated');
  });

  it('lastActiveAt is written at most once a minute', async () => {
    const { agent } = await newUser(t);
    const id = (await whoAmI(agent)).sessionId;
    const first = (await sessionRow(t, id))?.last_active_at;
    t.clock.advance(30_000);
    await agent.get('/api/auth/me');
    expect((await sessionRow(t, id))?.last_active_at).toBe(first);
    t.clock.advance(31_000);
    await agent.get('/api/auth/me');
    expect((await sessionRow(t, id))?.last_active_at).toBe(t.clock.now());
  });

  it('a 6-minute-long idle TTL from the environment is honoured', async () => {
    const short = await buildTestApp({ env: { SESSION_IDLE_TTL: '6m' } });
    try {
      const { agent } = await newUser(short);
      short.clock.advance(5 * MINUTE);
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
      short.clock.advance(5 * MINUTE);
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
      short.clock.advance(7 * MINUTE);
      expectError(await agent.get('/api/auth/me'), 401, 'unauthenticated');
    } finally {
      await short.close();
    }
  });

  it('times are ISO-8601 UTC from the injected clock', async () => {
    const { agent } = await newUser(t);
    const me = (await agent.get('/api/auth/me')).json<{ user: { createdAt: string }; session: { createdAt: string } }>();
    expect(me.session.createdAt).toBe(new Date(t.clock.now()).toISOString());
    expect(me.user.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(me.user.createdAt)).toBe(t.clock.now());
  });
});

describe('change-password', () => {
  let t: TestApp;
  const NEW_PASSWORD = 'a completely different passphrase';
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sets a new cookie pair; the old pair of this session and every other session → 401', async () => {
    const { agent, email, id } = await newUser(t);
    const other = await login(t, email, STRONG_PASSWORD);
    const oldPair = new Map(agent.jar);
    const res = await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(agent.sessionCookie).not.toBe(oldPair.get('gh_session'));
    expect(agent.csrfCookie).not.toBe(oldPair.get('gh_csrf'));
    expect(res.body).not.toContain(agent.sessionCookie ?? '');
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    const replay = new Agent(t);
    for (const [k, v] of oldPair) replay.jar.set(k, v);
    expectError(await replay.get('/api/auth/me'), 401, 'unauthenticated');
    expectError(await other.get('/api/auth/me'), 401, 'unauthenticated');
    expect(await activeSessionCount(t, id)).toBe(1);
    // The new pair authorizes writes too (its CSRF value is bound into the new token).
    expect((await agent.post('/api/sessions/revoke-others')).statusCode).toBe(204);
    expectError(await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
    await login(t, email, NEW_PASSWORD);
  });

  it('wrong current password → 401 invalid_credentials and nothing changed', async () => {
    const { agent, email, id } = await newUser(t);
    const other = await login(t, email, STRONG_PASSWORD);
    const hashBefore = (await t.db.kysely.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;
    const pair = new Map(agent.jar);
    const res = await agent.post('/api/auth/change-password', { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD });
    expectError(res, 401, 'invalid_credentials');
    expect(res.cookies.filter((c) => c.value !== '')).toHaveLength(0);
    expect(new Map(agent.jar)).toEqual(pair);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await other.get('/api/auth/me')).statusCode).toBe(200);
    const hashAfter = (await t.db.kysely.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;
    expect(hashAfter).toBe(hashBefore);
    await login(t, email, STRONG_PASSWORD);
    expectError(await new Agent(t).post('/api/auth/login', { email, password: NEW_PASSWORD }), 401, 'invalid_credentials');
  });

  it('a weak new password → 400 invalid_request and nothing changed', async () => {
    const { agent, email } = await newUser(t);
    const other = await login(t, email, STRONG_PASSWORD);
    expectError(await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'short' }), 400, 'invalid_request');
    expectError(await agent.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: 'password123' }), 400, 'invalid_request');
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await other.get('/api/auth/me')).statusCode).toBe(200);
    await login(t, email, STRONG_PASSWORD);
  });

  it('without a session → 401', async () => {
    expectError(await new Agent(t).post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD }), 401, 'unauthenticated');
  });
});
