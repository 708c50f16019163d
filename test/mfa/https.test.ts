import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { enrollTotp, freshCode, mfaState, ok, passkeyOptions, user } from './support.js';

const PUBLIC_URL = 'https://auth.gatehouse.example';

/** Behind https: __Host- cookie names, and the RP ID / origin follow PUBLIC_URL. */
describe(`PUBLIC_URL=${PUBLIC_URL}`, () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  }, { env: { PUBLIC_URL } });

  /** A registered user whose agent speaks the https cookie names (its jar keys are the real names). */
  async function httpsUser(): Promise<{ agent: Agent; email: string; password: string; id: string }> {
    const u = await user(t);
    expect(u.agent.jar.has('__Host-gh_session')).toBe(true);
    // The helper's CSRF echo reads gh_csrf: mirror the __Host- value under that name too.
    u.agent.jar.set('gh_csrf', u.agent.jar.get('__Host-gh_csrf')!);
    return u;
  }

  it('the pending login cookie is __Host-gh_mfa (Secure, Path=/, HttpOnly), and completes into a __Host- pair', async () => {
    const u = await httpsUser();
    const { secret } = await enrollTotp(t, u);
    const agent = new Agent(t, nextIp());
    const res = await agent.post('/api/auth/login', { email: u.email, password: u.password });
    ok(res);
    expect(res.json<{ mfaRequired: boolean }>().mfaRequired).toBe(true);
    const c = res.cookies.find((x) => x.name === '__Host-gh_mfa');
    expect(c).toMatchObject({ secure: true, path: '/', httpOnly: true });
    expect(res.cookies.find((x) => x.name === 'gh_mfa')).toBeUndefined();
    // The plain name is not accepted in its place.
    const plain = new Agent(t, nextIp());
    plain.jar.set('gh_mfa', c!.value);
    expectError(await plain.post('/api/auth/login/mfa', { code: freshCode(t, secret) }), 401, 'unauthenticated');
    const done = await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) });
    ok(done);
    expect(done.cookies.map((x) => x.name)).toEqual(expect.arrayContaining(['__Host-gh_session', '__Host-gh_csrf']));
  });

  it('the RP ID is PUBLIC_URL’s host and the origin PUBLIC_URL’s origin', async () => {
    const u = await httpsUser();
    const o = await passkeyOptions(u.agent, u.password);
    expect(o.rp.id).toBe('auth.gatehouse.example');
    // A response made for localhost is refused; one for the real origin is accepted.
    const local = new SoftAuthenticator().createCredential(o, { rpId: 'localhost', origin: 'http://localhost:3000', dontStore: true });
    expectError(await u.agent.post('/api/passkeys', { response: local }), 400, 'invalid_request');
    const o2 = await passkeyOptions(u.agent, u.password);
    const parent = new SoftAuthenticator({ rpId: 'gatehouse.example', origin: PUBLIC_URL }).createCredential(o2, { rpId: 'gatehouse.example', dontStore: true });
    expectError(await u.agent.post('/api/passkeys', { response: parent }), 400, 'invalid_request');
    const o3 = await passkeyOptions(u.agent, u.password);
    const real = new SoftAuthenticator({ rpId: 'auth.gatehouse.example', origin: PUBLIC_URL }).createCredential(o3);
    ok(await u.agent.post('/api/passkeys', { response: real }), 201);
    expect((await mfaState(u.agent)).passkeys).toHaveLength(1);
  });
});
