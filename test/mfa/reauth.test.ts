import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, STRONG_PASSWORD, type TestApp } from '../helpers/app.js';
import { expectError, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import {
  PAST_CHALLENGE_LIFETIME_MS,
  enrollPasskey,
  enrollTotp,
  factorRows,
  me,
  mfaState,
  ok,
  passwordlessOptions,
  pendingLogin,
  reauthOptions,
  user,
} from './support.js';

/** A passkey assertion in place of the password (POST /api/passkeys/reauth/options). */
describe('re-authentication with a passkey', () => {
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

  async function userExists(id: string): Promise<boolean> {
    return (await t.db.kysely.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  it('options: the caller’s own passkeys, UV required; needs a session and CSRF', async () => {
    const { u, credentialId } = await passkeyUser();
    const o = await reauthOptions(u.agent);
    expect((o.allowCredentials ?? []).map((c) => c.id)).toEqual([credentialId]);
    expect(o.userVerification).toBe('required');
    expectError(await new Agent(t).post('/api/passkeys/reauth/options'), 401, 'unauthenticated');
    expectError(await u.agent.post('/api/passkeys/reauth/options', undefined, { noCsrf: true }), 403, 'csrf_failed');
  });

  it('DELETE /api/profile {passkey} → 204', async () => {
    const { u, auth } = await passkeyUser();
    ok(await u.agent.delete('/api/profile', { passkey: auth.getAssertion(await reauthOptions(u.agent)) }), 204);
    expect(await userExists(u.id)).toBe(false);
  });

  it('PATCH /api/profile {email, passkey} changes the email; the password is still accepted', async () => {
    const { u, auth } = await passkeyUser();
    const res = await u.agent.patch('/api/profile', { email: 'renamed-by-passkey@example.test', passkey: auth.getAssertion(await reauthOptions(u.agent)) });
    ok(res);
    expect(res.json<{ user: { email: string } }>().user.email).toBe('renamed-by-passkey@example.test');
    ok(await u.agent.patch('/api/profile', { email: 'renamed-by-password@example.test', currentPassword: u.password }));
    expect((await me(u.agent)).user.email).toBe('renamed-by-password@example.test');
  });

  it('turning factors off and regenerating codes accept a passkey', async () => {
    const { u, auth, passkeyId } = await passkeyUser();
    await enrollTotp(t, u);
    const codes = await u.agent.post('/api/mfa/recovery-codes', { passkey: auth.getAssertion(await reauthOptions(u.agent)) });
    ok(codes);
    expect(codes.json<{ recoveryCodes: string[] }>().recoveryCodes).toHaveLength(10);
    // A passkey is two factors in one: no TOTP code needed to turn TOTP off.
    ok(await u.agent.delete('/api/mfa/totp', { passkey: auth.getAssertion(await reauthOptions(u.agent)) }), 204);
    expect((await mfaState(u.agent)).totp).toBe(false);
    // A second device, so the first can be removed with its own assertion.
    await enrollPasskey(u, new SoftAuthenticator());
    ok(await u.agent.delete(`/api/passkeys/${passkeyId}`, { passkey: auth.getAssertion(await reauthOptions(u.agent), { credentialId: auth.credentials[0]!.id }) }), 204);
    expect((await mfaState(u.agent)).passkeys.map((p) => p.id)).not.toContain(passkeyId);
  });

  it('an assertion is single-use: replayed → 401 invalid_credentials, nothing changed', async () => {
    const { u, auth } = await passkeyUser();
    const assertion = auth.getAssertion(await reauthOptions(u.agent));
    ok(await u.agent.patch('/api/profile', { email: 'first-change@example.test', passkey: assertion }));
    expectError(await u.agent.patch('/api/profile', { email: 'second-change@example.test', passkey: assertion }), 401, 'invalid_credentials');
    expectError(await u.agent.delete('/api/profile', { passkey: assertion }), 401, 'invalid_credentials');
    expect((await me(u.agent)).user.email).toBe('first-change@example.test');
  });

  it('bound to the session: another session’s challenge → 401, account intact', async () => {
    const { u, auth } = await passkeyUser();
    const other = await (async () => {
      const a = new Agent(t, nextIp());
      // A passwordless sign-in makes a second session for the same user.
      const o = await passwordlessOptions(a);
      ok(await a.post('/api/auth/passkey', { response: auth.getAssertion(o) }));
      return a;
    })();
    const o = await reauthOptions(u.agent);
    expectError(await other.delete('/api/profile', { passkey: auth.getAssertion(o) }), 401, 'invalid_credentials');
    expect(await userExists(u.id)).toBe(true);
  });

  it('expired (5 minutes), another purpose’s challenge, someone else’s passkey, another origin → 401', async () => {
    const { u, auth } = await passkeyUser();
    const b = await passkeyUser();
    const before = await factorRows(t, u.id);
    const stale = await reauthOptions(u.agent);
    t.clock.advance(PAST_CHALLENGE_LIFETIME_MS);
    expectError(await u.agent.delete('/api/profile', { passkey: auth.getAssertion(stale) }), 401, 'invalid_credentials');
    const passwordlessChallenge = await passwordlessOptions(new Agent(t, nextIp()));
    expectError(await u.agent.delete('/api/profile', { passkey: auth.getAssertion(passwordlessChallenge) }), 401, 'invalid_credentials');
    const o = await reauthOptions(u.agent);
    expectError(await u.agent.delete('/api/profile', { passkey: b.auth.getAssertion(o, { credential: b.auth.credential(b.credentialId) }) }), 401, 'invalid_credentials');
    const o2 = await reauthOptions(u.agent);
    expectError(await u.agent.delete('/api/profile', { passkey: auth.getAssertion(o2, { origin: 'https://evil.example' }) }), 401, 'invalid_credentials');
    expect(await userExists(u.id)).toBe(true);
    expect(await userExists(b.u.id)).toBe(true);
    expect((await factorRows(t, u.id)).passkeys).toHaveLength(before.passkeys.length);
  });

  it('a malformed assertion → 400; password and passkey are still checked separately (wrong password → 401)', async () => {
    const { u } = await passkeyUser();
    expectError(await u.agent.delete('/api/profile', { passkey: 'nope' }), 400, 'invalid_request');
    expectError(await u.agent.delete('/api/profile', {}), 400, 'invalid_request');
    expectError(await u.agent.delete('/api/profile', { password: 'not the password!!' }), 401, 'invalid_credentials');
    expect(await userExists(u.id)).toBe(true);
    // With a passkey on, the password alone is only the first step.
    expect((await pendingLogin(t, u.email, STRONG_PASSWORD)).methods).toContain('passkey');
  });
});
