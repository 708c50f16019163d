import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import {
  PAST_CHALLENGE_LIFETIME_MS,
  enrollPasskey,
  enrollTotp,
  expectMfaRefused,
  expectSignedIn,
  freshCode,
  mfaLoginOptions,
  mfaState,
  ok,
  pendingLogin,
  user,
} from './support.js';

/** A passkey as the second factor of a password login. */
describe('password login with a passkey as the second factor', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  async function passkeyUser(): Promise<{ u: Awaited<ReturnType<typeof user>>; auth: SoftAuthenticator; credentialId: string; passkeyId: string }> {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    const { credentialId, passkey } = await enrollPasskey(u, auth);
    return { u, auth, credentialId, passkeyId: passkey.id };
  }

  it('methods name the passkey; options list the user’s credentials; the assertion signs in (password+passkey)', async () => {
    const { u, auth, credentialId } = await passkeyUser();
    const { agent, methods } = await pendingLogin(t, u.email, u.password);
    expect(methods).toContain('passkey');
    expect(methods).not.toContain('totp');
    const o = await mfaLoginOptions(agent);
    expect(o.rpId ?? 'localhost').toBe('localhost');
    expect(o.userVerification).toBe('required');
    expect((o.allowCredentials ?? []).map((c) => c.id)).toEqual([credentialId]);
    t.clock.advance(1000);
    const res = await agent.post('/api/auth/login/mfa', { passkey: auth.getAssertion(o) });
    ok(res);
    expect(res.json<{ user: { id: string } }>().user.id).toBe(u.id);
    await expectSignedIn(agent, ['password', 'passkey']);
    const [pk] = (await mfaState(u.agent)).passkeys;
    expect(pk?.lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('a user with both factors may use either', async () => {
    const { u, auth } = await passkeyUser();
    const { secret } = await enrollTotp(t, u);
    const p1 = await pendingLogin(t, u.email, u.password);
    expect(p1.methods).toEqual(expect.arrayContaining(['totp', 'passkey', 'recovery_code']));
    ok(await p1.agent.post('/api/auth/login/mfa', { passkey: auth.getAssertion(await mfaLoginOptions(p1.agent)) }));
    const p2 = await pendingLogin(t, u.email, u.password);
    ok(await p2.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
    await expectSignedIn(p2.agent, ['password', 'totp']);
  });

  it('someone else’s credential, or a signature by another key → 401 invalid_code', async () => {
    const a = await passkeyUser();
    const b = await passkeyUser();
    const { agent } = await pendingLogin(t, a.u.email, a.u.password);
    const o = await mfaLoginOptions(agent);
    await expectMfaRefused(agent, { passkey: b.auth.getAssertion(o, { credential: b.auth.credential(b.credentialId) }) }, 401, 'invalid_code');
    const o2 = await mfaLoginOptions(agent);
    await expectMfaRefused(agent, { passkey: a.auth.getAssertion(o2, { signWith: b.auth.credential(b.credentialId).privateKey }) }, 401, 'invalid_code');
  });

  it('wrong origin, RP ID, challenge or no UV → 401 invalid_code', async () => {
    const { u, auth } = await passkeyUser();
    const { agent } = await pendingLogin(t, u.email, u.password);
    for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' }, { userVerified: false }]) {
      const o = await mfaLoginOptions(agent);
      await expectMfaRefused(agent, { passkey: auth.getAssertion(o, overrides) }, 401, 'invalid_code');
    }
  });

  it('the challenge is bound to its pending login and single-use', async () => {
    const { u, auth } = await passkeyUser();
    const p1 = await pendingLogin(t, u.email, u.password);
    const p2 = await pendingLogin(t, u.email, u.password);
    const o1 = await mfaLoginOptions(p1.agent);
    // p2 presents an assertion over p1's challenge.
    await expectMfaRefused(p2.agent, { passkey: auth.getAssertion(o1) }, 401, 'invalid_code');
    const assertion = auth.getAssertion(o1);
    ok(await p1.agent.post('/api/auth/login/mfa', { passkey: assertion }));
    const p3 = await pendingLogin(t, u.email, u.password);
    await mfaLoginOptions(p3.agent);
    await expectMfaRefused(p3.agent, { passkey: assertion }, 401, 'invalid_code');
  });

  it('an assertion 5 minutes later is refused', async () => {
    const { u, auth } = await passkeyUser();
    const { agent } = await pendingLogin(t, u.email, u.password);
    const o = await mfaLoginOptions(agent);
    // The challenge is younger than the pending login, so both have lapsed: either way, no session.
    const stale = auth.getAssertion(o);
    t.clock.advance(PAST_CHALLENGE_LIFETIME_MS);
    const res = await agent.post('/api/auth/login/mfa', { passkey: stale });
    expect(res.statusCode).toBe(401);
    expect(agent.sessionCookie).toBeUndefined();
  });

  it('a counter that goes backwards → 401 and the stored counter is unchanged', async () => {
    const { u, auth, credentialId } = await passkeyUser();
    const p1 = await pendingLogin(t, u.email, u.password);
    ok(await p1.agent.post('/api/auth/login/mfa', { passkey: auth.getAssertion(await mfaLoginOptions(p1.agent), { counter: 7 }) }));
    const p2 = await pendingLogin(t, u.email, u.password);
    await expectMfaRefused(p2.agent, { passkey: auth.getAssertion(await mfaLoginOptions(p2.agent), { counter: 3 }) }, 401, 'invalid_code');
    const row = await t.db.kysely.selectFrom('passkeys').select('counter').where('credential_id', '=', credentialId).executeTakeFirstOrThrow();
    expect(row.counter).toBe(7);
    expect((await u.agent.get('/api/security-events')).json<{ events: { type: string }[] }>().events.map((e) => e.type)).toContain('passkey_counter_regressed');
  });

  it('login/mfa/options for a user without passkeys → no usable credentials; malformed assertions → 400', async () => {
    const u = await user(t);
    await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    const res = await agent.post('/api/auth/login/mfa/options');
    if (res.statusCode === 200) expect(res.json<{ allowCredentials?: unknown[] }>().allowCredentials ?? []).toEqual([]);
    else expectError(res, 409, 'conflict');
    for (const passkey of [{}, { id: 'x' }, { id: 'x', rawId: 'x', type: 'public-key', response: {} }, 'string', 5]) {
      await expectMfaRefused(agent, { passkey }, 400, 'invalid_request');
    }
  });
});
