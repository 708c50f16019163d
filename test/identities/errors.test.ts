import { describe, expect, it } from 'vitest';
import { Agent, TEST_ORIGIN } from '../helpers/app.js';
import { followToCallback } from './idp.js';
import { identityCount, runFlow, subject, useWorld } from './support.js';

describe('bad callbacks end on the sign-in page with a clear error code, never a stack', () => {
  const w = useWorld();

  it('a replayed callback (the same state and code again) is refused: the state is single use', async () => {
    w.idp.account = { sub: subject(), email: `replay-${subject()}@example.test`, email_verified: true };
    const agent = new Agent(w.t);
    const start = await agent.get('/api/auth/oauth/acme/start');
    const stateCookie = agent.jar.get('gh_oauth') ?? '';
    const cb = await followToCallback(String(start.headers.location), TEST_ORIGIN);
    const first = await agent.get(`${cb.pathname}${cb.search}`);
    expect(first.headers.location).toBe('/');
    expect(first.cookies.find((c) => c.name === 'gh_oauth')?.maxAge).toBe(0);
    const again = await new Agent(w.t).get(`${cb.pathname}${cb.search}`, { cookies: { gh_oauth: stateCookie } });
    expect(again.statusCode).toBe(302);
    expect(again.headers.location).toBe('/sign-in?error=oauth_state');
  });

  it('a callback whose state is not this browser’s (login CSRF), or with no state cookie at all, is refused before the code is used', async () => {
    w.idp.account = { sub: subject(), email: `csrf-${subject()}@example.test`, email_verified: true };
    const attacker = new Agent(w.t);
    const start = await attacker.get('/api/auth/oauth/acme/start');
    const cb = await followToCallback(String(start.headers.location), TEST_ORIGIN);
    const victim = new Agent(w.t);
    await victim.get('/api/auth/oauth/acme/start');
    const forged = await victim.get(`${cb.pathname}${cb.search}`);
    expect(forged.headers.location).toBe('/sign-in?error=oauth_state');
    expect(victim.sessionCookie).toBeUndefined();
    const none = await new Agent(w.t).get(`${cb.pathname}${cb.search}`);
    expect(none.headers.location).toBe('/sign-in?error=oauth_state');
    const tampered = await attacker.get(`${cb.pathname}?code=x&state=wrong`);
    expect(tampered.headers.location).toBe('/sign-in?error=oauth_state');
  });

  it('a callback delivered at another provider’s callback URL (mix-up) is refused: the state names the provider it was made for', async () => {
    w.idp.account = { sub: subject(), email: `mixup-${subject()}@example.test`, email_verified: true };
    const before = await identityCount(w.t);
    const agent = new Agent(w.t);
    const start = await agent.get('/api/auth/oauth/acme/start');
    const cb = await followToCallback(String(start.headers.location), TEST_ORIGIN);
    expect(cb.pathname).toBe('/api/auth/oauth/acme/callback');
    const res = await agent.get(`/api/auth/oauth/crafted/callback${cb.search}`);
    expect(res.headers.location).toBe('/sign-in?error=oauth_state');
    expect(agent.sessionCookie).toBeUndefined();
    expect(await identityCount(w.t)).toBe(before);
  });

  it('a state older than 10 minutes is refused (oauth_state), even from the browser that started it', async () => {
    w.idp.account = { sub: subject(), email: `late-${subject()}@example.test`, email_verified: true };
    const agent = new Agent(w.t);
    const start = await agent.get('/api/auth/oauth/acme/start');
    const cb = await followToCallback(String(start.headers.location), TEST_ORIGIN);
    w.t.clock.advance(10 * 60_000 + 1000);
    const res = await agent.get(`${cb.pathname}${cb.search}`);
    expect(res.headers.location).toBe('/sign-in?error=oauth_state');
    expect(agent.sessionCookie).toBeUndefined();
    // Control: a flow completed within the 10 minutes signs in.
    expect((await runFlow(new Agent(w.t), 'acme')).location).toBe('/');
  });

  it('an error from the provider (access_denied) is oauth_provider_error', async () => {
    const agent = new Agent(w.t);
    const start = await agent.get('/api/auth/oauth/acme/start');
    const state = new URL(String(start.headers.location)).searchParams.get('state') ?? '';
    const res = await agent.get(`/api/auth/oauth/acme/callback?error=access_denied&error_description=User%20said%20no&state=${state}`);
    expect(res.headers.location).toBe('/sign-in?error=oauth_provider_error');
    expect(agent.sessionCookie).toBeUndefined();
  });

  for (const tamper of ['aud', 'iss', 'nonce', 'signature'] as const)
    it(`an ID token with a wrong ${tamper} is refused (oauth_failed) and creates nothing`, async () => {
      w.crafted.tamper = tamper;
      const before = await identityCount(w.t);
      const agent = new Agent(w.t);
      const { location } = await runFlow(agent, 'crafted');
      expect(location).toBe('/sign-in?error=oauth_failed');
      expect(agent.sessionCookie).toBeUndefined();
      expect(await identityCount(w.t)).toBe(before);
      expect(w.t.logs.join('')).not.toContain('crafted-access-token');
    });

  it('the crafted provider with an honest token does sign in (so the refusals above are the checks, not the set-up)', async () => {
    w.crafted.tamper = 'none';
    const agent = new Agent(w.t);
    const { location } = await runFlow(agent, 'crafted');
    expect(location).toBe('/');
    expect(agent.sessionCookie).toBeDefined();
  });

  it('a provider that is down: start redirects to /sign-in?error=oauth_unavailable (no stack, no 500)', async () => {
    const res = await new Agent(w.t).get('/api/auth/oauth/down/start');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/sign-in?error=oauth_unavailable');
  });

  it('a provider that goes down between start and callback: oauth_unavailable', async () => {
    w.crafted.tamper = 'none';
    const agent = new Agent(w.t);
    const start = await agent.get('/api/auth/oauth/crafted/start');
    const cb = await followToCallback(String(start.headers.location), TEST_ORIGIN);
    await w.crafted.close();
    const res = await agent.get(`${cb.pathname}${cb.search}`);
    expect(res.headers.location).toBe('/sign-in?error=oauth_unavailable');
  });
  it('starts are bounded per client address (each stores a state row): the 61st in a minute is 429', async () => {
    const agent = new Agent(w.t, '10.9.9.9');
    for (let i = 0; i < 60; i += 1) expect((await agent.get('/api/auth/oauth/github/start')).statusCode).toBe(302);
    const res = await agent.get('/api/auth/oauth/github/start');
    expect(res.statusCode).toBe(429);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
  });
});
