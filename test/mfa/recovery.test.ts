import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { RECOVERY_CODE, countOf, enrollTotp, expectMfaRefused, expectSignedIn, factorRows, mailsTo, mfaState, ok, pendingLogin, user } from './support.js';

describe('recovery codes', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('sign in with a recovery code: once only, recorded, emailed, counted down', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const code = recoveryCodes[0]!;
    const mailsBefore = (await mailsTo(t, u.email)).length;
    const first = await pendingLogin(t, u.email, u.password);
    expect(first.methods).toEqual(expect.arrayContaining(['totp', 'recovery_code']));
    expect(first.methods).not.toContain('passkey');
    ok(await first.agent.post('/api/auth/login/mfa', { recoveryCode: code }));
    await expectSignedIn(first.agent, ['password', 'recovery_code']);
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(9);
    expect(await countOf(u.agent, 'recovery_code_used')).toBe(1);
    expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 1);
    const used = await t.db.kysely.selectFrom('recovery_codes').select('used_at').where('user_id', '=', u.id).where('used_at', 'is not', null).execute();
    expect(used).toHaveLength(1);
    // The same code again → 401 invalid_code.
    const second = await pendingLogin(t, u.email, u.password);
    await expectMfaRefused(second.agent, { recoveryCode: code }, 401, 'invalid_code');
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(9);
    // Another one from the list still works on the same pending login.
    ok(await second.agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[1] }));
  });

  it('input is case-insensitive', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    ok(await agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[2]!.toUpperCase() }));
    await expectSignedIn(agent, ['password', 'recovery_code']);
  });

  it('codes carry 25 symbols (~124 bits); dashes are optional; a code of the earlier 4×4 format still works; other lengths → 400', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    expect(recoveryCodes[3]!.replace(/-/g, '')).toHaveLength(25);
    const { agent } = await pendingLogin(t, u.email, u.password);
    expectError(await agent.post('/api/auth/login/mfa', { recoveryCode: 'abcde-fghjk-mnpqr-stuvw' }), 400, 'invalid_request');
    expectError(await agent.post('/api/auth/login/mfa', { recoveryCode: 'abcd-efgh-jkmn' }), 400, 'invalid_request');
    ok(await agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[3]!.replace(/-/g, '') }));
    await expectSignedIn(agent, ['password', 'recovery_code']);
    // A set issued before the longer format: stored the same way (SHA-256 of the dashless, lower-case code).
    const legacy = 'abcd-efgh-jkmn-pqrs';
    await t.db.kysely
      .insertInto('recovery_codes')
      .values({ id: `legacy-${u.id}`, user_id: u.id, code_hash: createHash('sha256').update('abcdefghjkmnpqrs').digest('hex'), created_at: 0, used_at: null })
      .execute();
    const again = await pendingLogin(t, u.email, u.password);
    ok(await again.agent.post('/api/auth/login/mfa', { recoveryCode: legacy.toUpperCase() }));
  });

  it('an unknown code, or another user’s code → 401 invalid_code', async () => {
    const a = await user(t);
    const b = await user(t);
    await enrollTotp(t, a);
    const bCodes = (await enrollTotp(t, b)).recoveryCodes;
    const { agent } = await pendingLogin(t, a.email, a.password);
    await expectMfaRefused(agent, { recoveryCode: 'abcd-efgh-jkmn-pqrs' }, 401, 'invalid_code');
    await expectMfaRefused(agent, { recoveryCode: bCodes[0] }, 401, 'invalid_code');
    expect((await mfaState(b.agent)).recoveryCodesLeft).toBe(10);
  });

  it('wrong recovery codes count toward the 5 wrong codes that kill a pending login', async () => {
    const u = await user(t);
    const { recoveryCodes } = await enrollTotp(t, u);
    const { agent } = await pendingLogin(t, u.email, u.password);
    for (const c of ['abcd-efgh-jkmn-pqrs', 'bcde-fghj-kmnp-qrst', 'cdef-ghjk-mnpq-rstu', 'defg-hjkm-npqr-stuv', 'efgh-jkmn-pqrs-tuvw']) {
      await expectMfaRefused(agent, { recoveryCode: c }, 401, 'invalid_code');
    }
    await expectMfaRefused(agent, { recoveryCode: recoveryCodes[0] }, 401, 'unauthenticated');
    expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(10);
  });

  describe('POST /api/mfa/recovery-codes {password}', () => {
    it('wrong password → 401 invalid_credentials and the old codes keep working', async () => {
      const u = await user(t);
      const { recoveryCodes } = await enrollTotp(t, u);
      const before = await factorRows(t, u.id);
      expectError(await u.agent.post('/api/mfa/recovery-codes', { password: 'not my password, sorry' }), 401, 'invalid_credentials');
      expectError(await u.agent.post('/api/mfa/recovery-codes', {}), 400, 'invalid_request');
      expectError(await u.agent.post('/api/mfa/recovery-codes', { password: u.password }, { noCsrf: true }), 403, 'csrf_failed');
      expect(await factorRows(t, u.id)).toEqual(before);
      const { agent } = await pendingLogin(t, u.email, u.password);
      ok(await agent.post('/api/auth/login/mfa', { recoveryCode: recoveryCodes[9] }));
    });

    it('without a second factor → 409 conflict', async () => {
      const u = await user(t);
      expectError(await u.agent.post('/api/mfa/recovery-codes', { password: u.password }), 409, 'conflict');
      expect(await factorRows(t, u.id)).toEqual({ totp: [], recovery: [], passkeys: [] });
    });

    it('10 new codes, the old ones die (even unused ones), recovery_codes_regenerated recorded', async () => {
      const u = await user(t);
      const old = (await enrollTotp(t, u)).recoveryCodes;
      const { agent: first } = await pendingLogin(t, u.email, u.password);
      ok(await first.post('/api/auth/login/mfa', { recoveryCode: old[0] }));
      const res = await u.agent.post('/api/mfa/recovery-codes', { password: u.password });
      ok(res);
      const fresh = res.json<{ recoveryCodes: string[] }>().recoveryCodes;
      expect(fresh).toHaveLength(10);
      expect(new Set(fresh).size).toBe(10);
      for (const c of fresh) {
        expect(c).toMatch(RECOVERY_CODE);
        expect(old).not.toContain(c);
      }
      expect(await mfaState(u.agent)).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
      expect(await countOf(u.agent, 'recovery_codes_regenerated')).toBe(1);
      const { agent } = await pendingLogin(t, u.email, u.password);
      await expectMfaRefused(agent, { recoveryCode: old[1] }, 401, 'invalid_code');
      ok(await agent.post('/api/auth/login/mfa', { recoveryCode: fresh[0] }));
      expect((await mfaState(u.agent)).recoveryCodesLeft).toBe(9);
    });
  });
});
