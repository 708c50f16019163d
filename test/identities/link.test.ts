import { describe, expect, it } from 'vitest';
import { Agent, registerUser } from '../helpers/app.js';
import { enrollTotp, freshCode } from '../mfa/support.js';
import { eventsOf, runFlow, runLink, subject, useWorld } from './support.js';

interface IdentityView {
  id: string;
  provider: string;
  email: string;
}

async function identitiesOf(agent: Agent): Promise<IdentityView[]> {
  return (await agent.get('/api/identities')).json<{ identities: IdentityView[] }>().identities;
}

describe('linking and unlinking from the profile, and the second factor after a provider', () => {
  const w = useWorld();

  it('a signed-in user links a provider whose email is theirs; afterwards that provider signs them in', async () => {
    const user = await registerUser(w.t, { email: `link-${subject()}@example.test` });
    const sub = subject('linked');
    w.idp.account = { sub, email: user.email, email_verified: true };
    const { location } = await runLink(user.agent, 'acme', { password: user.password });
    expect(location).toBe('/?linked=acme');
    expect(await identitiesOf(user.agent)).toEqual([expect.objectContaining({ provider: 'acme', email: user.email })]);
    expect(await eventsOf(w.t, user.id)).toContain('identity_linked');
    const browser = new Agent(w.t);
    expect((await runFlow(browser, 'acme')).location).toBe('/');
    expect((await browser.get('/api/auth/me')).json<{ user: { id: string } }>().user.id).toBe(user.id);
  });

  it('linking needs a session and the CSRF header', async () => {
    const anonymous = await new Agent(w.t).post('/api/identities/link/acme');
    expect(anonymous.statusCode).toBe(401);
    const user = await registerUser(w.t, { email: `csrf-${subject()}@example.test` });
    const noCsrf = await user.agent.post('/api/identities/link/acme', undefined, { noCsrf: true });
    expect(noCsrf.statusCode).toBe(403);
  });

  it('a link callback delivered in another browser (or after the session ended) links nothing', async () => {
    const user = await registerUser(w.t, { email: `other-${subject()}@example.test` });
    w.idp.account = { sub: subject(), email: user.email, email_verified: true };
    const start = await user.agent.post('/api/identities/link/acme', { password: user.password });
    const { followToCallback } = await import('./idp.js');
    const cb = await followToCallback(start.json<{ url: string }>().url, 'http://localhost:3000');
    // The state cookie travels, but the session is not the one that started the link.
    const stranger = new Agent(w.t);
    const res = await stranger.get(`${cb.pathname}${cb.search}`, { cookies: { gh_oauth: user.agent.jar.get('gh_oauth') ?? '' } });
    expect(res.headers.location).toBe('/?error=oauth_state');
    expect(await identitiesOf(user.agent)).toEqual([]);
  });

  it('an identity already linked to another account cannot be linked again (oauth_identity_taken)', async () => {
    const sub = subject('taken');
    w.idp.account = { sub, email: `taken-${sub}@example.test`, email_verified: true };
    await runFlow(new Agent(w.t), 'acme');
    const other = await registerUser(w.t, { email: `other2-${subject()}@example.test` });
    const { location } = await runLink(other.agent, 'acme', { password: other.password });
    expect(location).toBe('/?error=oauth_identity_taken');
    expect(await identitiesOf(other.agent)).toEqual([]);
  });

  it('an unverified provider email does not link either', async () => {
    const user = await registerUser(w.t, { email: `unv-${subject()}@example.test` });
    w.idp.account = { sub: subject(), email: user.email, email_verified: false };
    expect((await runLink(user.agent, 'acme', { password: user.password })).location).toBe('/?error=oauth_email_unverified');
  });

  it('unlinking: 204 with a password left; someone else’s identity is 404', async () => {
    const user = await registerUser(w.t, { email: `unlink-${subject()}@example.test` });
    w.idp.account = { sub: subject(), email: user.email, email_verified: true };
    await runLink(user.agent, 'acme', { password: user.password });
    const [identity] = await identitiesOf(user.agent);
    const stranger = await registerUser(w.t, { email: `stranger-${subject()}@example.test` });
    expect((await stranger.agent.delete(`/api/identities/${identity?.id ?? ''}`)).statusCode).toBe(404);
    expect((await user.agent.delete(`/api/identities/${identity?.id ?? ''}`)).statusCode).toBe(204);
    expect(await identitiesOf(user.agent)).toEqual([]);
    expect(await eventsOf(w.t, user.id)).toContain('identity_unlinked');
    const log = (await user.agent.get('/api/security-events')).json<{ events: { type: string; provider?: string }[] }>().events;
    expect(log.filter((e) => e.type.startsWith('identity_')).map((e) => [e.type, e.provider])).toEqual([
      ['identity_unlinked', 'acme'],
      ['identity_linked', 'acme'],
    ]);
  });

  it('the last way to sign in cannot be removed (409 conflict); with a second provider linked, one can go', async () => {
    const email = `last-${subject()}@example.test`;
    w.idp.account = { sub: subject(), email, email_verified: true };
    const agent = new Agent(w.t);
    await runFlow(agent, 'acme');
    const [only] = await identitiesOf(agent);
    const refused = await agent.delete(`/api/identities/${only?.id ?? ''}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('conflict');
    w.github.user = { id: 424242, login: 'last', name: null };
    w.github.emails = [{ email, primary: true, verified: true }];
    expect((await runLink(agent, 'github', {})).location).toBe('/?linked=github');
    expect((await agent.delete(`/api/identities/${only?.id ?? ''}`)).statusCode).toBe(204);
    const [remaining] = await identitiesOf(agent);
    expect(remaining?.provider).toBe('github');
    expect((await agent.delete(`/api/identities/${remaining?.id ?? ''}`)).statusCode).toBe(409);
  });

  it('a user with a second factor still presents it after the provider: gh_mfa and no session, then the code', async () => {
    const user = await registerUser(w.t, { email: `mfa-${subject()}@example.test` });
    const { secret } = await enrollTotp(w.t, user);
    w.idp.account = { sub: subject(), email: user.email, email_verified: true };
    await runLink(user.agent, 'acme', { password: user.password });
    const browser = new Agent(w.t);
    const { location, res } = await runFlow(browser, 'acme', '/org');
    expect(location).toBe('/sign-in?mfa=totp%2Crecovery_code&next=%2Forg');
    expect(browser.sessionCookie).toBeUndefined();
    expect(res.cookies.find((c) => c.name === 'gh_mfa')?.httpOnly).toBe(true);
    expect((await browser.get('/api/auth/me')).statusCode).toBe(401);
    const done = await browser.post('/api/auth/login/mfa', { code: freshCode(w.t, secret) });
    expect(done.statusCode, done.body).toBe(200);
    const me = (await browser.get('/api/auth/me')).json<{ user: { id: string }; session: { authMethods: string[] } }>();
    expect(me.user.id).toBe(user.id);
    expect(me.session.authMethods).toEqual(['provider:acme', 'totp']);
    // The security log names the provider the sign-in went through, also when a code completed it.
    const log = (await browser.get('/api/security-events')).json<{ events: { type: string; provider?: string }[] }>().events;
    expect(log.find((e) => e.type === 'login_succeeded')?.provider).toBe('acme');
    // The password path is unchanged: the password alone is still only the first step.
    const password = await new Agent(w.t).post('/api/auth/login', { email: user.email, password: user.password });
    expect(password.json<{ mfaRequired?: boolean }>().mfaRequired).toBe(true);
  });
});
