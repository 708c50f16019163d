import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { Agent, registerUser } from '../helpers/app.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { enrollPasskey, mailsTo, reauthOptions } from '../mfa/support.js';
import { impersonate, newAdmin } from '../admin/admin-support.js';
import { LINK_RECENT_SIGN_IN_MS } from '../../src/identities/link-proof.js';
import { runFlow, runLink, stateCount, subject, useWorld, type World } from './support.js';

interface ErrorBody {
  error: { code: string; fields?: Record<string, string>; message?: string };
}

function expectRefused(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json<ErrorBody>();
  expect(error.code).toBe(code);
  // Nothing was started: no state cookie either.
  expect(res.cookies.find((c) => c.name.endsWith('gh_oauth'))).toBeUndefined();
  return error;
}

async function identityCountOf(w: World, userId: string): Promise<number> {
  const rows = await w.t.db.kysely.selectFrom('identities').select('id').where('user_id', '=', userId).execute();
  return rows.length;
}

async function noticesTo(w: World, email: string): Promise<{ subject: string; text: string }[]> {
  return (await mailsTo(w.t, email)).filter((m) => /linked (to|from) your account/.test(m.subject));
}

/** A user made by the provider: no password, no passkey, a session from this very sign-in. */
async function providerOnlyUser(w: World): Promise<{ agent: Agent; email: string; id: string }> {
  const email = `provider-only-${subject()}@example.test`;
  w.idp.account = { sub: subject('po'), email, email_verified: true };
  const agent = new Agent(w.t);
  expect((await runFlow(agent, 'acme')).location).toBe('/');
  const id = (await agent.get('/api/auth/me')).json<{ user: { id: string } }>().user.id;
  return { agent, email, id };
}

function useGithubAccount(w: World, email: string): void {
  w.github.user = { id: Math.floor(Math.random() * 1e9), login: 'po', name: null };
  w.github.emails = [{ email, primary: true, verified: true }];
}

describe('linking a provider re-authenticates; linking and unlinking are emailed', () => {
  const w = useWorld();

  it('no proof → 400 invalid_request on the password field; no state row, no cookie', async () => {
    const user = await registerUser(w.t, { email: `noproof-${subject()}@example.test` });
    const before = await stateCount(w.t);
    const error = expectRefused(await user.agent.post('/api/identities/link/acme', {}), 400, 'invalid_request');
    expect(error.fields?.password).toBeDefined();
    expectRefused(await user.agent.post('/api/identities/link/acme'), 400, 'invalid_request');
    expect(await stateCount(w.t)).toBe(before);
  });

  it('a wrong password → 401 invalid_credentials; no state row, nothing linked', async () => {
    const user = await registerUser(w.t, { email: `wrong-${subject()}@example.test` });
    const before = await stateCount(w.t);
    expectRefused(await user.agent.post('/api/identities/link/acme', { password: 'not-the-password-at-all' }), 401, 'invalid_credentials');
    expect(await stateCount(w.t)).toBe(before);
    expect(await identityCountOf(w, user.id)).toBe(0);
  });

  it('the link-proof route tells the web UI what to ask', async () => {
    const user = await registerUser(w.t, { email: `proofs-${subject()}@example.test` });
    expect((await user.agent.get('/api/identities/link-proof')).json()).toEqual({ password: true, passkey: false });
    const po = await providerOnlyUser(w);
    expect((await po.agent.get('/api/identities/link-proof')).json()).toEqual({ password: false, passkey: false });
    expect((await new Agent(w.t).get('/api/identities/link-proof')).statusCode).toBe(401);
  });

  it('a passkey assertion for the reauth options links too; a replayed one → 401', async () => {
    const user = await registerUser(w.t, { email: `pk-${subject()}@example.test` });
    const authenticator = new SoftAuthenticator();
    await enrollPasskey(user, authenticator);
    w.idp.account = { sub: subject('pk'), email: user.email, email_verified: true };
    const passkey = authenticator.getAssertion(await reauthOptions(user.agent));
    expect((await runLink(user.agent, 'acme', { passkey })).location).toBe('/?linked=acme');
    expect(await identityCountOf(w, user.id)).toBe(1);
    // The challenge was single-use: the same assertion again is refused, and starts nothing.
    const before = await stateCount(w.t);
    expectRefused(await user.agent.post('/api/identities/link/github', { passkey }), 401, 'invalid_credentials');
    expect(await stateCount(w.t)).toBe(before);
  });

  it('linking and unlinking each email the user one notice naming the provider, never a token', async () => {
    const user = await registerUser(w.t, { email: `notice-${subject()}@example.test` });
    const sub = subject('notice');
    w.idp.account = { sub, email: user.email, email_verified: true };
    const { callback } = await runLink(user.agent, 'acme', { password: user.password });
    const linked = await noticesTo(w, user.email);
    expect(linked.map((m) => m.subject)).toEqual([expect.stringContaining('Acme SSO was linked to your account')]);
    const secrets = [sub, callback.searchParams.get('code') ?? 'no-code', callback.searchParams.get('state') ?? 'no-state'];
    for (const secret of secrets) expect(linked[0]?.text).not.toContain(secret);
    const [identity] = (await user.agent.get('/api/identities')).json<{ identities: { id: string }[] }>().identities;
    expect((await user.agent.delete(`/api/identities/${identity?.id ?? ''}`)).statusCode).toBe(204);
    const both = await noticesTo(w, user.email);
    expect(both.map((m) => m.subject)).toEqual([expect.stringContaining('Acme SSO was linked'), expect.stringContaining('Acme SSO was unlinked from your account')]);
    for (const secret of secrets) expect(both[1]?.text).not.toContain(secret);
  });

  it('a refused unlink (the last way to sign in) sends no notice', async () => {
    const po = await providerOnlyUser(w);
    const [only] = (await po.agent.get('/api/identities')).json<{ identities: { id: string }[] }>().identities;
    expect((await po.agent.delete(`/api/identities/${only?.id ?? ''}`)).statusCode).toBe(409);
    expect(await noticesTo(w, po.email)).toEqual([]);
  });

  it('an account with no password and no passkey links with a fresh sign-in and no proof', async () => {
    const po = await providerOnlyUser(w);
    useGithubAccount(w, po.email);
    expect((await runLink(po.agent, 'github', {})).location).toBe('/?linked=github');
    expect(await identityCountOf(w, po.id)).toBe(2);
    expect((await noticesTo(w, po.email)).map((m) => m.subject)).toEqual([expect.stringContaining('GitHub was linked')]);
  });

  it('an impersonating admin cannot link, though the impersonation session is brand new; no state row', async () => {
    const po = await providerOnlyUser(w);
    const admin = await newAdmin(w.t, { email: `admin-${subject()}@example.test` });
    await impersonate(admin.agent, po.id);
    const before = await stateCount(w.t);
    expectRefused(await admin.agent.post('/api/identities/link/github', {}), 403, 'forbidden');
    expect(await stateCount(w.t)).toBe(before);
    expect(await identityCountOf(w, po.id)).toBe(1);
  });

  // Last in the file: it moves the shared clock forward.
  it('… but a sign-in older than the window → 403 forbidden (sign in again); no state row', async () => {
    const po = await providerOnlyUser(w);
    w.t.clock.advance(LINK_RECENT_SIGN_IN_MS + 1000);
    const before = await stateCount(w.t);
    const error = expectRefused(await po.agent.post('/api/identities/link/github', {}), 403, 'forbidden');
    expect(error.message).toMatch(/sign in again/i);
    expect(await stateCount(w.t)).toBe(before);
    expect(await identityCountOf(w, po.id)).toBe(1);
    // A wrong password does not get around it (such an account has none).
    expectRefused(await po.agent.post('/api/identities/link/github', { password: 'guessing-a-password' }), 401, 'invalid_credentials');
    // Signing in again opens the window again.
    const again = new Agent(w.t);
    w.idp.account = { sub: (await w.t.db.kysely.selectFrom('identities').select('subject').where('user_id', '=', po.id).executeTakeFirstOrThrow()).subject, email: po.email, email_verified: true };
    await runFlow(again, 'acme');
    useGithubAccount(w, po.email);
    expect((await runLink(again, 'github', {})).location).toBe('/?linked=github');
  });
});
