import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Agent, STRONG_PASSWORD, TEST_SECRET, buildTestApp, login, type TestApp } from '../helpers/app.js';
import { contractKey, expectCookiesCleared, expectError, forge, meWith, newUser, randomValue, sessionClaims, SESSION_TYP, whoAmI } from './support.js';

const MINUTE = 60_000;
const NEW_PASSWORD = 'an entirely new passphrase 2026';

interface ErrorWithReason {
  readonly error: { readonly code: string; readonly message: string; readonly reason?: string };
}

function reasonOf(res: LightMyRequestResponse): string | undefined {
  return res.json<ErrorWithReason>().error.reason;
}

/** A 401 unauthenticated with cookies cleared and exactly this reason (undefined: no reason field at all). */
function expectEnded(res: LightMyRequestResponse, reason: string | undefined): void {
  expectError(res, 401, 'unauthenticated');
  expectCookiesCleared(res);
  const body = res.json<ErrorWithReason>();
  if (reason === undefined) {
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    expect(body.error.message).toBe('You are not signed in.');
  } else {
    expect(body.error.reason).toBe(reason);
  }
}

function cookieOf(agent: Agent): string {
  const cookie = agent.sessionCookie;
  if (cookie === undefined) throw new Error('agent has no session cookie');
  return cookie;
}

describe('401 unauthenticated says why a session ended (error.reason)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { MAX_SESSIONS: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('evicted by the session cap: session_evicted, naming the limit', async () => {
    const { agent: first, email } = await newUser(t);
    const cookie = cookieOf(first);
    // Distinct activity times, so the least recently active session is the first one.
    t.clock.advance(1_000);
    await login(t, email, STRONG_PASSWORD);
    t.clock.advance(1_000);
    const third = await login(t, email, STRONG_PASSWORD);
    const res = await meWith(t, cookie);
    expectEnded(res, 'session_evicted');
    expect(res.json<ErrorWithReason>().error.message).toContain('limit of 2 sessions');
    // The reason is also given on the other routes, reads and writes alike.
    expect(reasonOf(await first.get('/api/sessions'))).toBe('session_evicted');
    // What did not change: the newest session still works.
    expect((await third.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('signed out from the devices page of another device: session_revoked', async () => {
    const { agent: a, email } = await newUser(t);
    const cookie = cookieOf(a);
    const { sessionId } = await whoAmI(a);
    const b = await login(t, email, STRONG_PASSWORD);
    t.clock.advance(1_000);
    expect((await b.delete(`/api/sessions/${sessionId}`)).statusCode).toBe(204);
    expectEnded(await meWith(t, cookie), 'session_revoked');
    expect((await b.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('"sign out all other devices": session_revoked', async () => {
    const { agent: a, email } = await newUser(t);
    const cookie = cookieOf(a);
    const b = await login(t, email, STRONG_PASSWORD);
    expect((await b.post('/api/sessions/revoke-others')).statusCode).toBe(204);
    expectEnded(await meWith(t, cookie), 'session_revoked');
  });

  it('idle past SESSION_IDLE_TTL: session_expired', async () => {
    const { agent } = await newUser(t);
    const cookie = cookieOf(agent);
    t.clock.advance(t.config.sessionIdleTtlMs + 2 * MINUTE);
    expectEnded(await meWith(t, cookie), 'session_expired');
  });

  it('the password changed on another device: password_changed (and eviction a second earlier stays an eviction)', async () => {
    const { agent: a, email } = await newUser(t);
    const aCookie = cookieOf(a);
    t.clock.advance(1_000);
    const b = await login(t, email, STRONG_PASSWORD);
    const bCookie = cookieOf(b);
    t.clock.advance(1_000);
    const c = await login(t, email, STRONG_PASSWORD); // evicts a
    t.clock.advance(1_000);
    expect((await c.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD })).statusCode).toBe(200);
    expectEnded(await meWith(t, bCookie), 'password_changed');
    expectEnded(await meWith(t, aCookie), 'session_evicted');
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('the reason is stored with the revocation: two kinds at the same instant stay apart, with no security event to go by', async () => {
    const { agent: a, email, id } = await newUser(t);
    const aCookie = cookieOf(a);
    t.clock.advance(1_000);
    const b = await login(t, email, STRONG_PASSWORD);
    const bCookie = cookieOf(b);
    // No time passes from here on: the eviction of a and the password change that ends b share one instant.
    const c = await login(t, email, STRONG_PASSWORD);
    expect((await c.post('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD })).statusCode).toBe(200);
    await t.db.kysely.deleteFrom('security_events').where('user_id', '=', id).execute();
    expectEnded(await meWith(t, aCookie), 'session_evicted');
    expectEnded(await meWith(t, bCookie), 'password_changed');
    const rows = await t.db.kysely.selectFrom('sessions').select(['revoked_reason']).where('user_id', '=', id).where('revoked_at', 'is not', null).execute();
    expect(rows.map((r) => r.revoked_reason).sort()).toEqual(['password_changed', 'password_changed', 'session_evicted']);
  });

  it('a copy of the cookie after this session signed out: signed_out', async () => {
    const { agent } = await newUser(t);
    const cookie = cookieOf(agent);
    expect((await agent.post('/api/auth/logout')).statusCode).toBe(204);
    expectEnded(await meWith(t, cookie), 'signed_out');
  });

  it('a disabled user still gets 403 account_inactive, no reason field', async () => {
    const { agent, id } = await newUser(t);
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', id).execute();
    const res = await agent.get('/api/auth/me');
    expectError(res, 403, 'account_inactive');
    expect(reasonOf(res)).toBeUndefined();
  });

  describe('nothing is revealed for a token that is not a genuine session of its user', () => {
    it('no cookie, garbage, or a token signed with another key: plain unauthenticated', async () => {
      expectError(await t.app.inject({ method: 'GET', url: '/api/auth/me' }), 401, 'unauthenticated');
      expect(reasonOf(await t.app.inject({ method: 'GET', url: '/api/auth/me' }))).toBeUndefined();
      expectEnded(await meWith(t, 'not-a-token'), undefined);
      const { agent, id } = await newUser(t);
      const { sessionId } = await whoAmI(agent);
      await agent.post('/api/auth/logout');
      const wrongKey = await forge({ key: contractKey('another-secret-0123456789-abcdefghijklmnop', 'gatehouse-session'), claims: sessionClaims(t, id, sessionId, randomValue()), header: { typ: SESSION_TYP } });
      expectEnded(await meWith(t, wrongKey), undefined);
    });

    it('a validly signed token for an unknown session, or naming another user for a revoked one: plain unauthenticated', async () => {
      const key = contractKey(TEST_SECRET, 'gatehouse-session');
      const { agent, id } = await newUser(t);
      const unknown = await forge({ key, claims: sessionClaims(t, id, randomValue(), randomValue()), header: { typ: SESSION_TYP } });
      expectEnded(await meWith(t, unknown), undefined);
      const { agent: other, id: otherId } = await newUser(t);
      const { sessionId: otherSession } = await whoAmI(other);
      await other.post('/api/auth/logout');
      const crossed = await forge({ key, claims: sessionClaims(t, id, otherSession, randomValue()), header: { typ: SESSION_TYP } });
      expectEnded(await meWith(t, crossed), undefined);
      // Control: the same signing, with the right user, does get the reason (so the two above were refused for the mismatch).
      const genuine = await forge({ key, claims: sessionClaims(t, otherId, otherSession, randomValue()), header: { typ: SESSION_TYP } });
      expectEnded(await meWith(t, genuine), 'signed_out');
      expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    });

    it('a deleted user: plain unauthenticated', async () => {
      const { agent, id } = await newUser(t);
      const cookie = cookieOf(agent);
      await agent.post('/api/auth/logout');
      await t.db.kysely.deleteFrom('sessions').where('user_id', '=', id).execute();
      await t.db.kysely.deleteFrom('users').where('id', '=', id).execute();
      expectEnded(await meWith(t, cookie), undefined);
    });
  });
});
