import { describe, expect, it } from 'vitest';
import { Agent, login, registerUser, STRONG_PASSWORD } from '../helpers/app.js';
import { eventsOf, identityCount, runFlow, subject, userByEmail, useWorld } from './support.js';

describe('account pre-hijacking is impossible (both ways), and unverified emails never create or link', () => {
  const w = useWorld();

  it('attacker registers the victim’s email with a password first: the victim’s provider sign-in is refused and nothing is linked', async () => {
    const victim = `victim-${subject()}@example.test`;
    const attacker = await registerUser(w.t, { email: victim, password: 'attacker chosen passphrase' });
    const before = await identityCount(w.t);
    w.idp.account = { sub: subject('victim'), email: victim, email_verified: true };
    const browser = new Agent(w.t);
    const { location } = await runFlow(browser, 'acme');
    expect(location).toBe('/sign-in?error=oauth_account_exists');
    expect(browser.sessionCookie).toBeUndefined();
    expect(await identityCount(w.t)).toBe(before);
    // The attacker's account gained no way in for the victim's provider, and no session appeared for it.
    expect(await eventsOf(w.t, attacker.id)).toEqual(['user_registered']);
  });

  it('the real owner of an existing account is not signed in by email either: they sign in with the password and link', async () => {
    const owner = await registerUser(w.t, { email: `owner-${subject()}@example.test` });
    w.idp.account = { sub: subject('owner'), email: owner.email, email_verified: true };
    const { location } = await runFlow(new Agent(w.t), 'acme');
    expect(location).toBe('/sign-in?error=oauth_account_exists');
  });

  it('the reverse: an attacker’s IdP account claiming the victim’s email, unverified, cannot create the account first', async () => {
    const victim = `victim2-${subject()}@example.test`;
    const before = await identityCount(w.t);
    w.idp.account = { sub: subject('attacker'), email: victim, email_verified: false };
    const browser = new Agent(w.t);
    const { location } = await runFlow(browser, 'acme');
    expect(location).toBe('/sign-in?error=oauth_email_unverified');
    expect(browser.sessionCookie).toBeUndefined();
    expect(await userByEmail(w.t, victim)).toBeUndefined();
    expect(await identityCount(w.t)).toBe(before);
    // So the victim can still register their own address, and nothing else can sign in to it.
    const registered = await registerUser(w.t, { email: victim });
    expect(registered.id).toBeDefined();
  });

  it('the reverse, against an existing account: an unverified email at the IdP links nothing', async () => {
    const victim = await registerUser(w.t, { email: `victim3-${subject()}@example.test` });
    w.idp.account = { sub: subject('attacker'), email: victim.email, email_verified: false };
    const { location } = await runFlow(new Agent(w.t), 'acme');
    expect(location).toBe('/sign-in?error=oauth_email_unverified');
    const ids = await victim.agent.get('/api/identities');
    expect(ids.json<{ identities: unknown[] }>().identities).toEqual([]);
  });

  it('an account made by a provider cannot be pre-claimed with a password later: register is 409 email_taken', async () => {
    const email = `first-${subject()}@example.test`;
    w.idp.account = { sub: subject(), email, email_verified: true };
    await runFlow(new Agent(w.t), 'acme');
    const res = await new Agent(w.t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Mallory' });
    expect(res.statusCode).toBe(409);
    await expect(login(w.t, email, STRONG_PASSWORD)).rejects.toThrow(/401/);
  });

  it('a missing email, or email_verified that is not exactly true, is unverified', async () => {
    w.idp.account = { sub: subject() };
    expect((await runFlow(new Agent(w.t), 'acme')).location).toBe('/sign-in?error=oauth_email_unverified');
  });
});
