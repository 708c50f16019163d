import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, login, registerUser, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { authRequest, authorize, browse, exchange, relyingParty } from './support.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ clock: createTestClock(Date.now()) });
});
afterEach(async () => {
  vi.useRealTimers();
  await t.close();
});

/** oidc-provider reads the system clock (max_age, auth_time): move it along with the app's. */
function advanceBoth(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
  t.clock.advance(ms);
}

interface Details {
  prompt: string;
  freshLoginRequired: boolean;
  client: { id: string; name: string; firstParty: boolean };
  scopes: string[];
  user: { email: string } | null;
}

describe('OpenID Connect sign-in and consent steps', () => {
  it('a third-party app gets a consent page naming it and its scopes; the consent is remembered and withdrawable', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { name: 'Photo Printer' });
    const request = await authRequest(rp, { scope: 'openid email organization' });
    let step = await browse(user.agent, request.url.href);
    if (step.kind !== 'interaction') throw new Error('expected the sign-in step');
    expect((await user.agent.get(`/api/oidc/interaction/${step.uid}`)).json<Details>()).toMatchObject({ prompt: 'login', freshLoginRequired: false, user: { email: user.email } });
    const loggedIn = await user.agent.post(`/api/oidc/interaction/${step.uid}/login`);
    step = await browse(user.agent, loggedIn.json<{ redirectTo: string }>().redirectTo);
    if (step.kind !== 'interaction') throw new Error('expected the consent step');
    const details = (await user.agent.get(`/api/oidc/interaction/${step.uid}`)).json<Details>();
    expect(details).toMatchObject({ prompt: 'consent', client: { name: 'Photo Printer', firstParty: false }, scopes: ['openid', 'email', 'organization'] });
    // The consent is CSRF-protected like every other write.
    expect((await user.agent.post(`/api/oidc/interaction/${step.uid}/consent`, { approve: true }, { noCsrf: true })).statusCode).toBe(403);
    const consented = await user.agent.post(`/api/oidc/interaction/${step.uid}/consent`, { approve: true });
    const callback = await browse(user.agent, consented.json<{ redirectTo: string }>().redirectTo);
    if (callback.kind !== 'callback') throw new Error('expected the callback');
    const tokens = await exchange(rp, request, callback.url);
    expect(tokens.claims()).toMatchObject({ email: user.email, org: { id: user.orgId } });

    // Remembered: a later sign-in, even from a new session, goes straight back to the app.
    const again = await login(t, user.email, user.password);
    await authorize(again, await authRequest(rp, { scope: 'openid email' }));
    const consents = (await again.get('/api/oidc/consents')).json<{ consents: { clientId: string; clientName: string; scopes: string[] }[] }>().consents;
    expect(consents).toEqual([expect.objectContaining({ clientId: rp.clientId, clientName: 'Photo Printer', scopes: ['email', 'openid', 'organization'] })]);

    expect((await again.delete(`/api/oidc/consents/${rp.clientId}`)).statusCode).toBe(204);
    expect((await again.get('/api/oidc/consents')).json<{ consents: unknown[] }>().consents).toEqual([]);
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
    const events = (await again.get('/api/security-events')).json<{ events: { type: string }[] }>().events.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['oidc_consent_granted', 'oidc_consent_revoked']));
    // Withdrawn: the consent page comes back.
    const next = await browse(again, (await authRequest(rp)).url.href);
    if (next.kind !== 'interaction') throw new Error('expected an interaction');
    expect((await again.get(`/api/oidc/interaction/${next.uid}`)).json<Details>().prompt).toBe('consent');
    expect((await again.delete(`/api/oidc/consents/${rp.clientId}`)).statusCode).toBe(404);
  });

  it('denying consent sends access_denied back to the app', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t);
    const request = await authRequest(rp);
    let step = await browse(user.agent, request.url.href);
    if (step.kind !== 'interaction') throw new Error('expected the sign-in step');
    step = await browse(user.agent, (await user.agent.post(`/api/oidc/interaction/${step.uid}/login`)).json<{ redirectTo: string }>().redirectTo);
    if (step.kind !== 'interaction') throw new Error('expected the consent step');
    const denied = await user.agent.post(`/api/oidc/interaction/${step.uid}/consent`, { approve: false });
    const back = await browse(user.agent, denied.json<{ redirectTo: string }>().redirectTo);
    expect(back.kind === 'callback' ? back.url.searchParams.get('error') : back.kind).toBe('access_denied');
  });

  it('prompt=login needs a sign-in made after the request; max_age one recent enough', async () => {
    const user = await registerUser(t);
    const rp = await relyingParty(t, { firstParty: true });
    await authorize(user.agent, await authRequest(rp));
    advanceBoth(5000);
    const cases: Record<string, string>[] = [{ prompt: 'login' }, { max_age: '1' }];
    for (const params of cases) {
      const request = await authRequest(rp, params);
      const step = await browse(user.agent, request.url.href);
      if (step.kind !== 'interaction') throw new Error(`expected the sign-in step for ${JSON.stringify(params)}`);
      expect((await user.agent.get(`/api/oidc/interaction/${step.uid}`)).json<Details>()).toMatchObject({ prompt: 'login', freshLoginRequired: true });
      expect((await user.agent.post(`/api/oidc/interaction/${step.uid}/login`)).statusCode).toBe(409);
      // Signing in again (the web UI sends the user through the sign-in page) satisfies it.
      expect((await user.agent.post('/api/auth/login', { email: user.email, password: user.password })).statusCode).toBe(200);
      const res = await user.agent.post(`/api/oidc/interaction/${step.uid}/login`);
      expect(res.statusCode).toBe(200);
      const callback = await browse(user.agent, res.json<{ redirectTo: string }>().redirectTo);
      if (callback.kind !== 'callback') throw new Error('expected the callback');
      const tokens = await exchange(rp, request, callback.url);
      const authTime = tokens.claims()?.auth_time ?? 0;
      expect(Math.abs(authTime - Date.now() / 1000)).toBeLessThan(2);
      advanceBoth(5000);
    }
  });

  it('an admin impersonating a user cannot sign that user in to an app: the sign-in step → 403 forbidden', async () => {
    const target = await registerUser(t);
    const admin = await registerUser(t);
    await t.db.kysely.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    expect((await admin.agent.post('/api/admin/impersonate', { userId: target.id })).statusCode).toBe(200);
    const rp = await relyingParty(t, { firstParty: true });
    const step = await browse(admin.agent, (await authRequest(rp)).url.href);
    if (step.kind !== 'interaction') throw new Error('expected the sign-in step');
    // The page does not offer the impersonated user as the one signing in.
    expect((await admin.agent.get(`/api/oidc/interaction/${step.uid}`)).json<Details>()).toMatchObject({ prompt: 'login', user: null });
    const refused = await admin.agent.post(`/api/oidc/interaction/${step.uid}/login`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('forbidden');
    // Control: the user themself, in their own session, gets through the same kind of step.
    expect((await authorize(target.agent, await authRequest(rp))).searchParams.get('code')).toBeTruthy();
  });

  it('the interaction API refuses unknown steps, other users and impersonation', async () => {
    const user = await registerUser(t);
    const other = await registerUser(t);
    expect((await user.agent.get('/api/oidc/interaction/nope')).statusCode).toBe(404);
    const rp = await relyingParty(t);
    let step = await browse(user.agent, (await authRequest(rp)).url.href);
    if (step.kind !== 'interaction') throw new Error('expected the sign-in step');
    step = await browse(user.agent, (await user.agent.post(`/api/oidc/interaction/${step.uid}/login`)).json<{ redirectTo: string }>().redirectTo);
    if (step.kind !== 'interaction') throw new Error('expected the consent step');
    expect((await other.agent.post(`/api/oidc/interaction/${step.uid}/consent`, { approve: true })).statusCode).toBe(403);
    expect((await user.agent.post(`/api/oidc/interaction/${step.uid}/login`)).statusCode).toBe(409);
  });
});
