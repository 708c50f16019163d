import { describe, expect, it } from 'vitest';
import { Agent, registerUser } from '../helpers/app.js';
import { newAdmin } from '../admin/admin-support.js';
import { runFlow, subject, userByEmail, useWorld } from './support.js';

describe('sign in with GitHub (OAuth 2 against a local stand-in of its endpoints)', () => {
  const w = useWorld();

  it('a primary, verified email creates a verified user; the GitHub user id is the subject', async () => {
    const email = `gh-${subject()}@example.test`;
    w.github.user = { id: 1001, login: 'octo', name: 'Octo Cat' };
    w.github.emails = [
      { email: `other-${email}`, primary: false, verified: true },
      { email, primary: true, verified: true },
    ];
    const agent = new Agent(w.t);
    const { location } = await runFlow(agent, 'github');
    expect(location).toBe('/');
    const me = (await agent.get('/api/auth/me')).json<{ user: { email: string; emailVerified: boolean; name: string }; session: { authMethods: string[] } }>();
    expect(me.user).toMatchObject({ email, emailVerified: true, name: 'Octo Cat' });
    expect(me.session.authMethods).toEqual(['provider:github']);
    const row = await w.t.db.kysely.selectFrom('identities').selectAll().where('provider', '=', 'github').where('subject', '=', '1001').executeTakeFirst();
    expect(row?.email).toBe(email);
  });

  it('a primary email that GitHub has not verified never creates an account, even if another one is verified', async () => {
    const email = `ghu-${subject()}@example.test`;
    w.github.user = { id: 1002, login: 'unverified', name: null };
    w.github.emails = [
      { email, primary: true, verified: false },
      { email: `second-${email}`, primary: false, verified: true },
    ];
    expect((await runFlow(new Agent(w.t), 'github')).location).toBe('/sign-in?error=oauth_email_unverified');
    expect(await userByEmail(w.t, email)).toBeUndefined();
    expect(await userByEmail(w.t, `second-${email}`)).toBeUndefined();
  });

  it('the same pre-hijacking rule: a GitHub email that an account already has is refused', async () => {
    const existing = await registerUser(w.t, { email: `ghx-${subject()}@example.test` });
    w.github.user = { id: 1003, login: 'x', name: null };
    w.github.emails = [{ email: existing.email, primary: true, verified: true }];
    expect((await runFlow(new Agent(w.t), 'github')).location).toBe('/sign-in?error=oauth_account_exists');
  });

  it('a replayed GitHub callback is refused (state single use, code single use at GitHub)', async () => {
    w.github.user = { id: 1004, login: 'r', name: null };
    w.github.emails = [{ email: `ghr-${subject()}@example.test`, primary: true, verified: true }];
    const agent = new Agent(w.t);
    const { callback } = await runFlow(agent, 'github');
    const again = await new Agent(w.t).get(`${callback.pathname}${callback.search}`);
    expect(again.headers.location).toBe('/sign-in?error=oauth_state');
  });

  it('the authorization request to GitHub carries PKCE S256 and the GitHub scopes', async () => {
    const res = await new Agent(w.t).get('/api/auth/oauth/github/start');
    const url = new URL(String(res.headers.location));
    expect(url.pathname).toBe('/login/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('gh-client');
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBeNull();
  });

  it('the admin user view (GET /api/admin/users) shows linked identities: [{provider, email}]', async () => {
    const admin = await newAdmin(w.t);
    const email = `adminview-${subject()}@example.test`;
    w.github.user = { id: 5005, login: 'av', name: null };
    w.github.emails = [{ email, primary: true, verified: true }];
    await runFlow(new Agent(w.t), 'github');
    const res = await admin.agent.get(`/api/admin/users?q=${encodeURIComponent(email)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ users: { identities: unknown }[] }>().users[0]?.identities).toEqual([{ provider: 'github', email }]);
  });
});
