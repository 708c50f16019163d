import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError, liveSessionIds, nextIp } from '../core/support.js';
import { SoftAuthenticator, b64url } from '../helpers/webauthn.js';
import {
  PAST_CHALLENGE_LIFETIME_MS,
  WEBAUTHN_COOKIE,
  countOf,
  enrollPasskey,
  enrollTotp,
  eventsOf,
  expectSignedIn,
  mfaState,
  ok,
  passkeyOptions,
  passwordless,
  passwordlessOptions,
  user,
} from './support.js';

/** Signing in with a passkey alone (discoverable credentials, gh_webauthn challenge cookie). */
describe('passwordless sign-in with a passkey', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  async function passkeyUser(): Promise<{ u: Awaited<ReturnType<typeof user>>; auth: SoftAuthenticator; credentialId: string }> {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    const { credentialId } = await enrollPasskey(u, auth);
    return { u, auth, credentialId };
  }

  async function refused(agent: Agent, response: unknown, status = 401, code = 'invalid_credentials'): Promise<void> {
    expectError(await agent.post('/api/auth/passkey', { response }), status, code);
    expect(agent.sessionCookie).toBeUndefined();
  }

  it('options: no allowCredentials, UV required, an HttpOnly SameSite=Strict gh_webauthn cookie of at most 5 minutes', async () => {
    const agent = new Agent(t, nextIp());
    const res = await agent.post('/api/auth/passkey/options');
    ok(res);
    const o = res.json<{ challenge: string; rpId?: string; userVerification?: string; allowCredentials?: unknown[] }>();
    expect(o.allowCredentials ?? []).toEqual([]);
    expect(o.userVerification).toBe('required');
    expect(o.rpId ?? 'localhost').toBe('localhost');
    const c = res.cookies.find((x) => x.name === WEBAUTHN_COOKIE);
    expect(c?.httpOnly).toBe(true);
    expect(String(c?.sameSite).toLowerCase()).toBe('strict');
    expect(c?.maxAge).toBeGreaterThan(0);
    expect(c?.maxAge).toBeLessThanOrEqual(300);
    expect(res.cookies.map((x) => x.name)).not.toContain('gh_session');
  });

  it('a passkey alone signs in (even with TOTP on): {user} + cookie pair, authMethods ["passkey"], passkey_login', async () => {
    const { u, auth } = await passkeyUser();
    await enrollTotp(t, u);
    const { agent, res } = await passwordless(t, auth);
    ok(res);
    expect(res.json<{ user: { id: string; email: string } }>().user).toMatchObject({ id: u.id, email: u.email });
    expect(agent.sessionCookie).toBeDefined();
    expect(agent.csrfCookie).toBeDefined();
    const m = await expectSignedIn(agent, ['passkey']);
    expect(m.mfa.enabled).toBe(true);
    const sessions = (await agent.get('/api/sessions')).json<{ sessions: { current: boolean; authMethods: string[] }[] }>().sessions;
    expect(sessions.find((s) => s.current)?.authMethods).toEqual(['passkey']);
    expect(await countOf(u.agent, 'passkey_login')).toBe(1);
    expect((await mfaState(u.agent)).passkeys[0]?.lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('the challenge is single-use: the same response again (with the same gh_webauthn) → 401', async () => {
    const { u, auth } = await passkeyUser();
    const agent = new Agent(t, nextIp());
    const o = await passwordlessOptions(agent);
    const cookie = agent.jar.get(WEBAUTHN_COOKIE)!;
    const response = auth.getAssertion(o);
    ok(await agent.post('/api/auth/passkey', { response }));
    const replay = new Agent(t, nextIp());
    replay.jar.set(WEBAUTHN_COOKIE, cookie);
    await refused(replay, response);
    // A fresh assertion over the used challenge is no better.
    await refused(replay, auth.getAssertion(o));
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('expires after 5 minutes', async () => {
    const { auth } = await passkeyUser();
    const agent = new Agent(t, nextIp());
    const o = await passwordlessOptions(agent);
    t.clock.advance(PAST_CHALLENGE_LIFETIME_MS);
    await refused(agent, auth.getAssertion(o));
  });

  it('bound to its gh_webauthn cookie: another browser’s challenge, or no cookie at all → 401', async () => {
    const { auth } = await passkeyUser();
    const x = new Agent(t, nextIp());
    const y = new Agent(t, nextIp());
    const ox = await passwordlessOptions(x);
    await passwordlessOptions(y);
    await refused(y, auth.getAssertion(ox));
    await refused(new Agent(t, nextIp()), auth.getAssertion(ox));
    // x's own challenge is still good.
    ok(await x.post('/api/auth/passkey', { response: auth.getAssertion(ox) }));
  });

  it('another origin, RP ID or challenge, or no UV → 401 invalid_credentials', async () => {
    const { auth } = await passkeyUser();
    for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' }, { userVerified: false }, { type: 'webauthn.create' }]) {
      const agent = new Agent(t, nextIp());
      await refused(agent, auth.getAssertion(await passwordlessOptions(agent), overrides));
    }
  });

  it('someone else’s credential: signed by another key, another user handle, an unknown credential → 401', async () => {
    const a = await passkeyUser();
    const b = await passkeyUser();
    const bKey = b.auth.credential(b.credentialId).privateKey;
    let agent = new Agent(t, nextIp());
    await refused(agent, a.auth.getAssertion(await passwordlessOptions(agent), { signWith: bKey }));
    agent = new Agent(t, nextIp());
    await refused(agent, a.auth.getAssertion(await passwordlessOptions(agent), { userHandle: b.auth.credential(b.credentialId).userHandle }));
    // A credential made for this RP but never registered (the registration was not sent).
    const stranger = new SoftAuthenticator();
    const c = await user(t);
    stranger.createCredential(await passkeyOptions(c.agent, c.password));
    agent = new Agent(t, nextIp());
    await refused(agent, stranger.getAssertion(await passwordlessOptions(agent)));
    expect(await liveSessionIds(t, a.u.id)).toHaveLength(1);
  });

  it('a counter that goes backwards → 401 invalid_credentials, recorded, counter unchanged', async () => {
    const { u, auth, credentialId } = await passkeyUser();
    const first = await passwordless(t, auth);
    ok(first.res);
    auth.setCounter(credentialId, 5);
    ok((await passwordless(t, auth)).res);
    const stored = async (): Promise<number> =>
      (await t.db.kysely.selectFrom('passkeys').select('counter').where('credential_id', '=', credentialId).executeTakeFirstOrThrow()).counter;
    expect(await stored()).toBe(6);
    const agent = new Agent(t, nextIp());
    await refused(agent, auth.getAssertion(await passwordlessOptions(agent), { counter: 2 }));
    expect(await stored()).toBe(6);
    const types = (await eventsOf(u.agent)).map((e) => e.type);
    expect(types).toContain('passkey_counter_regressed');
    expect(await countOf(u.agent, 'passkey_login')).toBe(2);
  });

  it('a disabled user → 403 account_inactive, no session', async () => {
    const { u, auth } = await passkeyUser();
    await t.db.kysely.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
    const before = await liveSessionIds(t, u.id);
    const { agent, res } = await passwordless(t, auth);
    expectError(res, 403, 'account_inactive');
    expect(agent.sessionCookie).toBeUndefined();
    expect(await liveSessionIds(t, u.id)).toEqual(before);
  });

  it('a removed passkey no longer signs in', async () => {
    const { u, auth } = await passkeyUser();
    const [pk] = (await mfaState(u.agent)).passkeys;
    ok(await u.agent.delete(`/api/passkeys/${pk!.id}`, { password: u.password }), 204);
    const { res } = await passwordless(t, auth);
    expectError(res, 401, 'invalid_credentials');
  });

  it('malformed WebAuthn JSON → 400 invalid_request', async () => {
    const { auth } = await passkeyUser();
    const agent = new Agent(t, nextIp());
    const o = await passwordlessOptions(agent);
    const good = auth.getAssertion(o);
    const bad: unknown[] = [
      {},
      { response: 'x' },
      { response: { id: good.id } },
      { response: { ...good, type: 'not-public-key' } },
      { response: good, extra: 1 },
    ];
    for (const [i, body] of bad.entries()) {
      const res = await agent.post('/api/auth/passkey', body);
      expect(res.statusCode, `case ${String(i)}: ${res.body}`).toBe(400);
      expectError(res, 400, 'invalid_request');
    }
    // Well-formed JSON whose signed contents are garbage is a failed verification, not a bad request.
    await refused(agent, { ...good, response: { ...good.response, clientDataJSON: b64url(new TextEncoder().encode('{oops')) } });
  });
});
