import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Agent, type TestApp } from '../helpers/app.js';
import { liveSessionIds, nextIp } from '../core/support.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { completeSecondFactor } from '../../src/mfa/login.js';
import { MFA_COOKIE, WEBAUTHN_COOKIE, countOf, enrollPasskey, enrollTotp, freshCode, mfaState, ok, passwordlessOptions, pendingLogin, user } from './support.js';

/** "Single-use" must hold when the same secret arrives twice at once. */
describe('single use under concurrency', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  function statuses(results: { statusCode: number }[]): number[] {
    return results.map((r) => r.statusCode).sort();
  }

  it('one recovery code on two pending logins at once: exactly one signs in', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const a = await pendingLogin(t, u.email, u.password);
    const b = await pendingLogin(t, u.email, u.password);
    const results = await Promise.all([a, b].map((p) => p.agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[0] })));
    expect(statuses(results)).toEqual([200, 401]);
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(9);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('one TOTP code on two pending logins at once: exactly one signs in', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const a = await pendingLogin(t, u.email, u.password);
    const b = await pendingLogin(t, u.email, u.password);
    const code = freshCode(t, secret);
    const results = await Promise.all([a, b].map((p) => p.agent.post('/api/auth/login/mfa', { code })));
    expect(statuses(results)).toEqual([200, 401]);
    // The loser's code counts as a wrong one, whether it lost at the match or at the commit.
    expect(results.find((r) => r.statusCode === 401)?.json()).toMatchObject({ error: { code: 'invalid_code' } });
    expect(await countOf(u.agent, 'mfa_failed')).toBe(1);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('a code spent between its match and the commit: that sign-in rolls back and counts as one wrong code', async () => {
    const u = await user(t);
    const { secret } = await enrollTotp(t, u);
    const a = await pendingLogin(t, u.email, u.password);
    const b = await pendingLogin(t, u.email, u.password);
    const code = freshCode(t, secret);
    // b's code matches (nothing is spent yet); then a signs in with the same code and spends its step.
    const late = await completeSecondFactor(t.services, b.agent.jar.get(MFA_COOKIE), { kind: 'totp', code }, { ip: b.agent.ip, userAgent: null });
    ok(await a.agent.post('/api/auth/login/mfa', { code }));
    const sessions = await liveSessionIds(t, u.id);
    const failedBefore = await countOf(u.agent, 'mfa_failed');
    // Run b's commit in a transaction of its own that also writes a session-like marker: it must roll back.
    const marker = `marker-${String(t.clock.now())}`;
    await expect(
      late.commit((within) =>
        t.db.kysely.transaction().execute(async (trx) => {
          await trx.updateTable('users').set({ name: marker }).where('id', '=', u.id).execute();
          await within(trx);
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_code' });
    expect(await liveSessionIds(t, u.id)).toEqual(sessions);
    expect((await t.db.kysely.selectFrom('users').select('name').where('id', '=', u.id).executeTakeFirstOrThrow()).name).not.toBe(marker);
    expect(await countOf(u.agent, 'mfa_failed')).toBe(failedBefore + 1);
    // b's pending login was not ended by the rolled-back commit: it goes on with the next step's code.
    const res = await b.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) });
    ok(res);
    expect(await liveSessionIds(t, u.id)).toHaveLength(sessions.length + 1);
  });

  it('one gh_mfa completed twice at once: one session', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    const twin = new Agent(t, agent.ip);
    twin.jar.set('gh_mfa', agent.jar.get('gh_mfa')!);
    const results = await Promise.all([
      agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[0] }),
      twin.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[1] }),
    ]);
    expect(statuses(results)).toEqual([200, 401]);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });

  it('one passwordless assertion sent twice at once: one session', async () => {
    const u = await user(t);
    const auth = new SoftAuthenticator();
    await enrollPasskey(u, auth);
    const agent = new Agent(t, nextIp());
    const response = auth.getAssertion(await passwordlessOptions(agent));
    const twin = new Agent(t, agent.ip);
    twin.jar.set(WEBAUTHN_COOKIE, agent.jar.get(WEBAUTHN_COOKIE)!);
    const results = await Promise.all([agent.post('/api/auth/passkey', { response }), twin.post('/api/auth/passkey', { response })]);
    expect(statuses(results)).toEqual([200, 401]);
    expect(await liveSessionIds(t, u.id)).toHaveLength(2);
  });
});
