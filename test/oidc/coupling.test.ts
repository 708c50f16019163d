import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, buildTestApp, login, registerUser, tokenFromEmail, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { relyingParty, signInWith, type TestClient } from './support.js';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

interface Signed {
  user: Awaited<ReturnType<typeof registerUser>>;
  rp: TestClient;
  tokens: Awaited<ReturnType<typeof signInWith>>;
}

async function signedIn(env: Record<string, string> = {}): Promise<Signed> {
  t = await buildTestApp({ clock: createTestClock(Date.now()), env });
  const user = await registerUser(t);
  const rp = await relyingParty(t, { firstParty: true });
  const tokens = await signInWith(user.agent, rp, { scope: 'openid email offline_access', prompt: 'consent' });
  return { user, rp, tokens };
}

/** The contract's three symptoms of an ended grant: token endpoint, userinfo, introspection. */
async function expectEnded({ rp, tokens }: Signed): Promise<void> {
  const me = await t.app.inject({ url: '/oidc/me', headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(me.statusCode).toBe(401);
  expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
  expect((await oidc.tokenIntrospection(rp.config, tokens.refresh_token ?? '')).active).toBe(false);
  await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
}

async function expectAlive({ rp, tokens }: Signed): Promise<void> {
  expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
}

describe('OpenID Connect grants end with the Gatehouse session they were made in', () => {
  it('revoking the session on the devices page', async () => {
    const s = await signedIn();
    await expectAlive(s);
    const other = await login(t, s.user.email, s.user.password);
    const sessionId = (await s.user.agent.get('/api/auth/me')).json<{ session: { id: string } }>().session.id;
    expect((await other.get('/api/oidc/apps')).json<{ sessions: { sessionId: string }[] }>().sessions.map((x) => x.sessionId)).toEqual([sessionId]);
    expect((await other.delete(`/api/sessions/${sessionId}`)).statusCode).toBe(204);
    await expectEnded(s);
    // The devices page no longer lists the app under the revoked session.
    expect((await other.get('/api/oidc/apps')).json<{ sessions: unknown[] }>().sessions).toEqual([]);
  });

  it('logout', async () => {
    const s = await signedIn();
    expect((await s.user.agent.post('/api/auth/logout')).statusCode).toBe(204);
    await expectEnded(s);
  });

  it('a password reset', async () => {
    const s = await signedIn();
    expect((await new Agent(t).post('/api/auth/forgot-password', { email: s.user.email })).statusCode).toBe(202);
    const token = await tokenFromEmail(t, s.user.email, '/reset-password');
    expect((await new Agent(t).post('/api/auth/reset-password', { token, password: 'another fine horse staple' })).statusCode).toBe(200);
    await expectEnded(s);
  });

  it("eviction by the session cap", async () => {
    const s = await signedIn({ MAX_SESSIONS: '1' });
    await login(t, s.user.email, s.user.password);
    await expectEnded(s);
  });

  it('disabling the user (admin API)', async () => {
    const s = await signedIn();
    const admin = await registerUser(t);
    await t.db.kysely.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    expect((await admin.agent.patch(`/api/admin/users/${s.user.id}`, { disabled: true })).statusCode).toBe(200);
    await expectEnded(s);
  });

  it('deleting the account', async () => {
    const s = await signedIn();
    expect((await s.user.agent.delete('/api/profile', { password: s.user.password })).statusCode).toBe(204);
    await expectEnded(s);
  });

  it('the session expiring (absolute lifetime)', async () => {
    const s = await signedIn({ SESSION_TTL: '1h' });
    t.clock.advance(3_600_000 + 1000);
    await expectEnded(s);
  });

  it('removing the client', async () => {
    const s = await signedIn();
    const { removeClient } = await import('../../src/oidc/clients.js');
    expect(await removeClient(t.db, s.rp.clientId)).toBe(true);
    const me = await t.app.inject({ url: '/oidc/me', headers: { authorization: `Bearer ${s.tokens.access_token}` } });
    expect(me.statusCode).toBe(401);
  });

  it('the devices page lists the apps signed in through each session', async () => {
    const s = await signedIn();
    const sessionId = (await s.user.agent.get('/api/auth/me')).json<{ session: { id: string } }>().session.id;
    const apps = (await s.user.agent.get('/api/oidc/apps')).json<{ sessions: { sessionId: string; apps: { clientId: string; name: string }[] }[] }>();
    expect(apps.sessions).toEqual([{ sessionId, apps: [{ clientId: s.rp.clientId, name: 'Test RP' }] }]);
  });

  it('a browser whose Gatehouse session ended must sign in again (the OIDC session follows ours)', async () => {
    const s = await signedIn();
    expect((await s.user.agent.post('/api/auth/logout')).statusCode).toBe(204);
    const { authRequest, browse } = await import('./support.js');
    const step = await browse(s.user.agent, (await authRequest(s.rp, { prompt: 'none' })).url.href);
    expect(step.kind === 'callback' ? step.url.searchParams.get('error') : step.kind).toBe('login_required');
  });
});
