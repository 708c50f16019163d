import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, STRONG_PASSWORD, type TestApp, login } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { SoftAuthenticator, b64url } from '../helpers/webauthn.js';
import { PAST_CHALLENGE_LIFETIME_MS, countOf, enrollPasskey, factorRows, mailsTo, me, mfaState, ok, passkeyOptions, user, type PasskeyView } from './support.js';

async function challengeCount(t: TestApp): Promise<number> {
  return (await t.db.kysely.selectFrom('webauthn_challenges').select('id').execute()).length;
}

describe('passkeys: register, list, rename, remove', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('options are behind the password; wrong → 401 invalid_credentials and no challenge is issued', async () => {
    const u = await user(t);
    const before = await challengeCount(t);
    expectError(await u.agent.post('/api/passkeys/options', { password: 'no this is not it' }), 401, 'invalid_credentials');
    expectError(await u.agent.post('/api/passkeys/options', {}), 400, 'invalid_request');
    expectError(await u.agent.post('/api/passkeys/options', { password: u.password }, { noCsrf: true }), 403, 'csrf_failed');
    expectError(await new Agent(t).post('/api/passkeys/options', { password: u.password }), 401, 'unauthenticated');
    expect(await challengeCount(t)).toBe(before);
  });

  it('creation options: RP ID = PUBLIC_URL host, resident key and UV required, none attestation, ES256 offered', async () => {
    const u = await user(t);
    const o = await passkeyOptions(u.agent, u.password);
    expect(o.rp.id).toBe('localhost');
    expect(o.user.name).toBe(u.email);
    expect(o.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(o.attestation ?? 'none').toBe('none');
    expect(o.pubKeyCredParams.map((p) => p.alg)).toContain(-7);
    expect(o.excludeCredentials ?? []).toEqual([]);
    expect(o.challenge.length).toBeGreaterThanOrEqual(22);
  });

  it('register → 201 {passkey}; listed in GET /api/mfa; default names; passkey_added + email; excluded next time', async () => {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    const mailsBefore = (await mailsTo(t, u.email)).length;
    const first = await enrollPasskey(u, auth);
    expect(first.passkey).toEqual({ id: expect.any(String) as unknown, name: expect.stringMatching(/^Passkey \d+$/) as unknown, createdAt: new Date(t.clock.now()).toISOString(), lastUsedAt: null });
    // The same device would refuse (excludeCredentials): a second device.
    const second = await enrollPasskey(u, new SoftAuthenticator(), 'Laptop');
    expect(second.passkey.name).toBe('Laptop');
    const state = await mfaState(u.agent);
    expect(state.totp).toBe(false);
    expect(state.passkeys.map((p) => p.id).sort()).toEqual([first.passkey.id, second.passkey.id].sort());
    expect((await me(u.agent)).mfa.enabled).toBe(true);
    expect(await countOf(u.agent, 'passkey_added')).toBe(2);
    expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 2);
    const o = await passkeyOptions(u.agent, u.password);
    expect((o.excludeCredentials ?? []).map((c) => c.id).sort()).toEqual([first.credentialId, second.credentialId].sort());
    // The stored public key is the authenticator's COSE key; nothing secret is in the row.
    const row = await t.db.kysely.selectFrom('passkeys').selectAll().where('credential_id', '=', first.credentialId).executeTakeFirstOrThrow();
    expect(row.user_id).toBe(u.id);
    expect(row.public_key).toBe(b64url(auth.credential(first.credentialId).cosePublicKey));
  });

  it('registration responses that must be refused → 400 invalid_request, nothing stored', async () => {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    const cases = [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { challenge: b64url(new TextEncoder().encode('some-other-challenge-0123')) },
      { userVerified: false },
      { type: 'webauthn.get' },
    ];
    for (const overrides of cases) {
      const o = await passkeyOptions(u.agent, u.password);
      const response = auth.createCredential(o, { ...overrides, dontStore: true });
      expectError(await u.agent.post('/api/passkeys', { response }), 400, 'invalid_request');
    }
    expect(await factorRows(t, u.id)).toEqual({ totp: [], recovery: [], passkeys: [] });
  });

  it('malformed WebAuthn JSON → 400 invalid_request', async () => {
    const u = await user(t);
    const o = await passkeyOptions(u.agent, u.password);
    const good = new SoftAuthenticator().createCredential(o, { dontStore: true });
    const bad: unknown[] = [
      {},
      { response: 'garbage' },
      { response: { id: good.id } },
      { response: { ...good, response: { ...good.response, attestationObject: 'AAAA' } } },
      { response: { ...good, response: { ...good.response, clientDataJSON: b64url(new TextEncoder().encode('{not json')) } } },
      { response: { ...good, id: 'x' } },
      { response: good, name: 5 },
      { response: good, extra: true },
    ];
    for (const body of bad) expectError(await u.agent.post('/api/passkeys', body), 400, 'invalid_request');
    expect((await mfaState(u.agent)).passkeys).toEqual([]);
  });

  it('a challenge is single-use: the same response again → 400 invalid_request', async () => {
    const u = await user(t);
    const o = await passkeyOptions(u.agent, u.password);
    const auth = new SoftAuthenticator();
    const response = auth.createCredential(o);
    ok(await u.agent.post('/api/passkeys', { response }), 201);
    expectError(await u.agent.post('/api/passkeys', { response }), 400, 'invalid_request');
    // A second credential signed over the used challenge is refused too.
    const again = auth.createCredential(o, { ignoreExcludeCredentials: true, dontStore: true });
    expectError(await u.agent.post('/api/passkeys', { response: again }), 400, 'invalid_request');
    expect((await mfaState(u.agent)).passkeys).toHaveLength(1);
  });

  it('a challenge lives 5 minutes', async () => {
    const u = await user(t);
    const o = await passkeyOptions(u.agent, u.password);
    t.clock.advance(PAST_CHALLENGE_LIFETIME_MS);
    expectError(await u.agent.post('/api/passkeys', { response: new SoftAuthenticator().createCredential(o) }), 400, 'invalid_request');
    expect((await mfaState(u.agent)).passkeys).toEqual([]);
  });

  it('a challenge is bound to the session that asked: another session of the same user → 400', async () => {
    const u = await user(t);
    const other = await login(t, u.email, STRONG_PASSWORD);
    const o = await passkeyOptions(u.agent, u.password);
    expectError(await other.post('/api/passkeys', { response: new SoftAuthenticator().createCredential(o) }), 400, 'invalid_request');
    const stranger = await user(t);
    expectError(await stranger.agent.post('/api/passkeys', { response: new SoftAuthenticator().createCredential(o) }), 400, 'invalid_request');
    expect((await mfaState(u.agent)).passkeys).toEqual([]);
    expect((await mfaState(stranger.agent)).passkeys).toEqual([]);
  });

  it('rename: 200 {passkey}; another user’s id → 404; bad names → 400', async () => {
    const u = await user(t);
    const v = await user(t);
    const { passkey } = await enrollPasskey(u, new SoftAuthenticator());
    const res = await u.agent.patch(`/api/passkeys/${passkey.id}`, { name: 'Phone' });
    ok(res);
    expect(res.json<{ passkey: PasskeyView }>().passkey).toEqual({ ...passkey, name: 'Phone' });
    expectError(await v.agent.patch(`/api/passkeys/${passkey.id}`, { name: 'Mine now' }), 404, 'not_found');
    expectError(await u.agent.patch('/api/passkeys/does-not-exist', { name: 'x' }), 404, 'not_found');
    for (const body of [{}, { name: 5 }, { name: 'ok', extra: 1 }]) expectError(await u.agent.patch(`/api/passkeys/${passkey.id}`, body), 400, 'invalid_request');
    expectError(await u.agent.patch(`/api/passkeys/${passkey.id}`, { name: 'x' }, { noCsrf: true }), 403, 'csrf_failed');
    expect((await mfaState(u.agent)).passkeys.map((p) => p.name)).toEqual(['Phone']);
  });

  it('remove: behind the password; another user’s id → 404; 204, passkey_removed + email', async () => {
    const u = await user(t);
    const v = await user(t);
    const { passkey } = await enrollPasskey(u, new SoftAuthenticator());
    const before = await factorRows(t, u.id);
    expectError(await v.agent.delete(`/api/passkeys/${passkey.id}`, { password: v.password }), 404, 'not_found');
    expectError(await u.agent.delete(`/api/passkeys/${passkey.id}`, { password: 'wrong wrong wrong' }), 401, 'invalid_credentials');
    expectError(await u.agent.delete(`/api/passkeys/${passkey.id}`, {}), 400, 'invalid_request');
    expect(await factorRows(t, u.id)).toEqual(before);
    const mailsBefore = (await mailsTo(t, u.email)).length;
    ok(await u.agent.delete(`/api/passkeys/${passkey.id}`, { password: u.password }), 204);
    expect((await mfaState(u.agent)).passkeys).toEqual([]);
    expect(await countOf(u.agent, 'passkey_removed')).toBe(1);
    expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 1);
    expectError(await u.agent.delete(`/api/passkeys/${passkey.id}`, { password: u.password }), 404, 'not_found');
    // With no factor left, the password alone signs in again.
    const res = await new Agent(t).post('/api/auth/login', { email: u.email, password: u.password });
    expect(res.json<{ user?: { id: string } }>().user?.id).toBe(u.id);
  });
});
