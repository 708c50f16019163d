import { describe, expect, it } from 'vitest';
import { Agent } from '../helpers/app.js';
import { eventsOf, runFlow, subject, userByEmail, useWorld } from './support.js';

describe('sign in with an external OpenID provider (a real oidc-provider)', () => {
  const w = useWorld();

  it('lists the configured providers with their labels', async () => {
    const res = await new Agent(w.t).get('/api/auth/providers');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      providers: [
        { name: 'acme', label: 'Acme SSO' },
        { name: 'crafted', label: 'Crafted' },
        { name: 'down', label: 'Down' },
        { name: 'github', label: 'GitHub' },
      ],
    });
  });

  it('start redirects with code + PKCE S256, state and nonce, and sets an HttpOnly SameSite=Lax single-use cookie for 10 minutes', async () => {
    const res = await new Agent(w.t).get('/api/auth/oauth/acme/start');
    expect(res.statusCode).toBe(302);
    const url = new URL(String(res.headers.location));
    expect(url.origin).toBe(w.idp.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/\S{20,}/);
    expect(url.searchParams.get('nonce')).toMatch(/\S{20,}/);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:3000/api/auth/oauth/acme/callback');
    const cookie = res.cookies.find((c) => c.name === 'gh_oauth');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 600 });
    // The cookie names a server-side row; state, nonce and verifier never reach the browser's cookie.
    expect(cookie?.value).not.toContain(url.searchParams.get('state'));
  });

  it('a new identity with a new verified email creates a verified user with their organization, signed in', async () => {
    const email = `new-${subject()}@example.test`;
    w.idp.account = { sub: subject(), email, email_verified: true, name: 'Nora New' };
    const agent = new Agent(w.t);
    const { location } = await runFlow(agent, 'acme', '/org?tab=members');
    expect(location).toBe('/org?tab=members');
    expect(agent.sessionCookie).toBeDefined();
    const me = await agent.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    const body = me.json<{ user: { email: string; emailVerified: boolean; name: string; organization: { role: string; name: string } }; session: { authMethods: string[] } }>();
    expect(body.user).toMatchObject({ email, emailVerified: true, name: 'Nora New', organization: { role: 'owner', name: "Nora New's organization" } });
    expect(body.session.authMethods).toEqual(['provider:acme']);
    const ids = await agent.get('/api/identities');
    expect(ids.json<{ identities: { provider: string; email: string }[] }>().identities).toEqual([expect.objectContaining({ provider: 'acme', email })]);
    const user = await userByEmail(w.t, email);
    expect(await eventsOf(w.t, user?.id ?? '')).toEqual(['user_registered', 'identity_linked', 'login_succeeded']);
    const log = (await agent.get('/api/security-events')).json<{ events: { type: string; provider?: string }[] }>().events;
    expect(log.map((e) => [e.type, e.provider])).toEqual([
      ['login_succeeded', 'acme'],
      ['identity_linked', 'acme'],
      ['user_registered', undefined],
    ]);
  });

  it('the same identity signs the same user in again (found by provider + subject, not by email)', async () => {
    const sub = subject();
    const email = `again-${sub}@example.test`;
    w.idp.account = { sub, email, email_verified: true };
    const first = new Agent(w.t);
    await runFlow(first, 'acme');
    // The provider now reports another address: still the same Gatehouse account.
    w.idp.account = { sub, email: `changed-${sub}@example.test`, email_verified: true };
    const second = new Agent(w.t);
    const { location } = await runFlow(second, 'acme');
    expect(location).toBe('/');
    const a = (await first.get('/api/auth/me')).json<{ user: { id: string } }>().user.id;
    const b = (await second.get('/api/auth/me')).json<{ user: { id: string } }>().user.id;
    expect(b).toBe(a);
  });

  it('a user created by a provider has no password: password login fails like a wrong password', async () => {
    const email = `nopw-${subject()}@example.test`;
    w.idp.account = { sub: subject(), email, email_verified: true };
    await runFlow(new Agent(w.t), 'acme');
    expect((await userByEmail(w.t, email))?.password_hash).toBe('');
    const res = await new Agent(w.t).post('/api/auth/login', { email, password: 'any password at all' });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('invalid_credentials');
  });

  for (const payload of ['//evil.com', '/\\evil.com', 'https://evil.com', '/.//evil.com', '/%2F/evil.com', 'javascript:alert(1)', '/api/auth/logout'])
    it(`next=${payload} is refused: the sign-in lands on a local path`, async () => {
      w.idp.account = { sub: subject(), email: `next-${subject()}@example.test`, email_verified: true };
      const { location } = await runFlow(new Agent(w.t), 'acme', payload);
      expect(location.startsWith('/')).toBe(true);
      expect(location.startsWith('//')).toBe(false);
      expect(new URL(location, 'http://localhost:3000').origin).toBe('http://localhost:3000');
      expect(location).not.toContain('evil');
    });

  it('an unknown provider is 404', async () => {
    const res = await new Agent(w.t).get('/api/auth/oauth/nope/start');
    expect(res.statusCode).toBe(404);
  });
});
