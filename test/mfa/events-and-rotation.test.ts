import { afterEach, describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClock } from '../../src/clock.js';
import { STRONG_PASSWORD, TEST_SECRET, type TestApp, buildTestApp } from '../helpers/app.js';
import { wrongTotpCode } from '../helpers/totp.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { enrollPasskey, enrollTotp, eventsOf, expectSignedIn, freshCode, loginWithTotp, mailsTo, ok, passwordless, pendingLogin, user } from './support.js';

describe('security events, emails and authMethods over a factor’s life', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('a password session is ["password"]', async () => {
    const u = await user(t);
    await expectSignedIn(u.agent, ['password']);
    const sessions = (await u.agent.get('/api/sessions')).json<{ sessions: { authMethods: string[] }[] }>().sessions;
    expect(sessions.map((s) => s.authMethods)).toEqual([['password']]);
  });

  it('every step is recorded for the user and emailed where the contract says; no secret in any email', async () => {
    const u = await user(t);
    const mails0 = (await mailsTo(t, u.email)).length;
    const { secret, recoveryCodes } = await enrollTotp(t, u);
    const auth = new SoftAuthenticator();
    const { passkey } = await enrollPasskey(u, auth);
    const p1 = await pendingLogin(t, u.email, u.password);
    const wrong = await p1.agent.post('/api/auth/login/mfa', { code: wrongTotpCode(secret, t.clock.now()) });
    expect(wrong.statusCode).toBe(401);
    ok(await p1.agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[0] }));
    const regenerated = await u.agent.post('/api/mfa/recovery-codes', { password: u.password });
    ok(regenerated);
    ok((await passwordless(t, auth)).res);
    ok(await u.agent.delete(`/api/passkeys/${passkey.id}`, { password: u.password }), 204);
    ok(await u.agent.delete('/api/mfa/totp', { password: u.password, code: freshCode(t, secret) }), 204);

    const types = (await eventsOf(u.agent)).map((e) => e.type);
    for (const type of ['mfa_enabled', 'passkey_added', 'mfa_failed', 'recovery_code_used', 'recovery_codes_regenerated', 'passkey_login', 'passkey_removed', 'mfa_disabled']) {
      expect(types, type).toContain(type);
    }
    // TOTP on, passkey added, recovery code used, passkey removed, TOTP off.
    const mails = (await mailsTo(t, u.email)).slice(mails0);
    expect(mails).toHaveLength(5);
    const allMail = JSON.stringify(mails);
    expect(allMail).not.toContain(secret);
    for (const c of [...recoveryCodes, ...regenerated.json<{ recoveryCodes: string[] }>().recoveryCodes]) expect(allMail).not.toContain(c);
  });
});

/** Contract: TOTP secrets are sealed under a key from SESSION_SECRET; during a rotation SESSION_SECRET_PREVIOUS still decrypts. */
describe('SESSION_SECRET rotation', () => {
  const NEW_SECRET = 'rotated-test-secret-9876543210-zyxwvutsrqponmlkjih';
  let dir: string | undefined;
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A user with an authenticator app, enrolled on a file database under the old secret; the app is closed again. */
  async function enrolledUnderOldSecret(): Promise<{ u: Awaited<ReturnType<typeof user>>; secret: string; clock: ReturnType<typeof createTestClock>; env: Record<string, string> }> {
    dir = mkdtempSync(join(tmpdir(), 'gh-mfa-rotation-'));
    const clock = createTestClock();
    const env = { DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}` };
    const before = await buildTestApp({ clock, env });
    try {
      const u = await user(before);
      const { secret } = await enrollTotp(before, u);
      await loginWithTotp(before, u.email, STRONG_PASSWORD, secret);
      return { u, secret, clock, env };
    } finally {
      await before.close();
    }
  }

  it('codes keep working when the old secret is SESSION_SECRET_PREVIOUS', async () => {
    const { u, secret, clock, env } = await enrolledUnderOldSecret();
    const during = await buildTestApp({ clock, env: { ...env, SESSION_SECRET: NEW_SECRET, SESSION_SECRET_PREVIOUS: TEST_SECRET } });
    apps.push(during);
    const sealedBefore = await sealedSecretOf(during, u.id);
    const agent = await loginWithTotp(during, u.email, STRONG_PASSWORD, secret);
    await expectSignedIn(agent, ['password', 'totp']);
    // The accepted code resealed the secret under the current key…
    expect(await sealedSecretOf(during, u.id)).not.toBe(sealedBefore);
    await during.close();
    apps.splice(0);

    // …so once the rotation is finished (no SESSION_SECRET_PREVIOUS), the authenticator still works.
    const after = await buildTestApp({ clock, env: { ...env, SESSION_SECRET: NEW_SECRET } });
    apps.push(after);
    await expectSignedIn(await loginWithTotp(after, u.email, STRONG_PASSWORD, secret), ['password', 'totp']);
  });

  it('a secret never resealed is not opened by the new key alone: the code is refused, not an error', async () => {
    const { u, secret, clock, env } = await enrolledUnderOldSecret();
    // A start during the rotation moves the OIDC signing keys to the new secret by itself (else the
    // start below, without the previous secret, would stop: no signing key would open)…
    const during = await buildTestApp({ clock, env: { ...env, SESSION_SECRET: NEW_SECRET, SESSION_SECRET_PREVIOUS: TEST_SECRET } });
    await during.close();

    // …but nobody signed in with the app since, so its secret is still under the old key.
    const after = await buildTestApp({ clock, env: { ...env, SESSION_SECRET: NEW_SECRET } });
    apps.push(after);
    const { agent } = await pendingLogin(after, u.email, STRONG_PASSWORD);
    const res = await agent.post('/api/auth/login/mfa', { code: freshCode(after, secret) });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('invalid_code');
    expect(agent.sessionCookie).toBeUndefined();
  });
});

describe('sealed TOTP secrets are bound to their user (AES-GCM additional data)', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('a sealed secret copied onto another user’s row does not open there: that user’s codes and the copied ones are refused', async () => {
    const a = await user(t);
    const b = await user(t);
    const { secret: secretA } = await enrollTotp(t, a);
    const { secret: secretB } = await enrollTotp(t, b);
    const sealedB = await sealedSecretOf(t, b.id);
    await t.db.kysely.updateTable('mfa_totp').set({ secret_sealed: await sealedSecretOf(t, a.id) }).where('user_id', '=', b.id).execute();
    for (const secret of [secretA, secretB]) {
      const { agent } = await pendingLogin(t, b.email, STRONG_PASSWORD);
      const res = await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) });
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('invalid_code');
      expect(agent.sessionCookie).toBeUndefined();
    }
    // Put back, B's own authenticator works again: the refusal came from the binding, nothing else.
    await t.db.kysely.updateTable('mfa_totp').set({ secret_sealed: sealedB }).where('user_id', '=', b.id).execute();
    await expectSignedIn(await loginWithTotp(t, b.email, STRONG_PASSWORD, secretB), ['password', 'totp']);
  });
});

async function sealedSecretOf(t: TestApp, userId: string): Promise<string> {
  const row = await t.db.kysely.selectFrom('mfa_totp').select('secret_sealed').where('user_id', '=', userId).executeTakeFirstOrThrow();
  return row.secret_sealed;
}
