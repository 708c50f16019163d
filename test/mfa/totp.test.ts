import { describe, expect, it } from 'vitest';
import { suiteApp } from '../helpers/suite.js';
import { Secret } from 'otpauth';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError } from '../core/support.js';
import { parseOtpauthUri, wrongTotpCode } from '../helpers/totp.js';
import {
  RECOVERY_CODE,
  codeNow,
  countOf,
  databaseDump,
  enrollTotp,
  factorRows,
  freshCode,
  mailsTo,
  me,
  mfaState,
  ok,
  pendingLogin,
  startTotp,
  user,
} from './support.js';

describe('authenticator app (TOTP): setup, confirm, turn off', () => {
  let t: TestApp;
  suiteApp((app) => {
    t = app;
  });

  it('a new user has no factor', async () => {
    const u = await user(t);
    expect(await mfaState(u.agent)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    expect((await me(u.agent)).mfa).toEqual({ enabled: false, setupRequired: false, requiredBy: null });
  });

  it('setup is behind the password: wrong → 401 invalid_credentials and nothing changes', async () => {
    const u = await user(t);
    const before = await factorRows(t, u.id);
    expectError(await u.agent.post('/api/mfa/totp/setup', { password: 'not the password at all' }), 401, 'invalid_credentials');
    expectError(await u.agent.post('/api/mfa/totp/setup', {}), 400, 'invalid_request');
    expectError(await u.agent.post('/api/mfa/totp/setup', { password: u.password, extra: 1 }), 400, 'invalid_request');
    expectError(await u.agent.post('/api/mfa/totp/setup', { password: u.password }, { noCsrf: true }), 403, 'csrf_failed');
    expectError(await new Agent(t).post('/api/mfa/totp/setup', { password: u.password }), 401, 'unauthenticated');
    expect(await factorRows(t, u.id)).toEqual(before);
    expectError(await u.agent.post('/api/mfa/totp/confirm', { code: '123456' }), 409, 'conflict');
  });

  it('setup returns a base32 secret and an otpauth URI; nothing is required at login until confirmed', async () => {
    const u = await user(t);
    const { secret, otpauthUri } = await startTotp(u.agent, u.password);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const p = parseOtpauthUri(otpauthUri);
    expect(p).toMatchObject({ type: 'totp', issuer: 'Gatehouse', label: u.email, secret, algorithm: 'SHA1', digits: 6, period: 30 });
    expect(p.path).toBe(`Gatehouse:${u.email}`);
    expect(p.params.get('issuer')).toBe('Gatehouse');
    expect((await mfaState(u.agent)).totp).toBe(false);
    const login = await new Agent(t).post('/api/auth/login', { email: u.email, password: u.password });
    ok(login);
    expect(login.json<{ mfaRequired?: boolean; user?: { id: string } }>()).toMatchObject({ user: { id: u.id } });
    expect(login.json<{ mfaRequired?: boolean }>().mfaRequired).toBeUndefined();
  });

  it('confirm: a wrong or malformed code → refused, TOTP stays off', async () => {
    const u = await user(t);
    const { secret } = await startTotp(u.agent, u.password);
    expectError(await u.agent.post('/api/mfa/totp/confirm', { code: wrongTotpCode(secret, t.clock.now()) }), 401, 'invalid_code');
    for (const code of ['123 456', ' 123456', 'abcdef', '12a456', 123456]) {
      expectError(await u.agent.post('/api/mfa/totp/confirm', { code }), 400, 'invalid_request');
    }
    expect((await mfaState(u.agent)).totp).toBe(false);
    // The pending setup is still there and still works.
    ok(await u.agent.post('/api/mfa/totp/confirm', { code: freshCode(t, secret) }));
  });

  it('a new setup replaces a pending one: the first secret no longer confirms', async () => {
    const u = await user(t);
    const first = await startTotp(u.agent, u.password);
    const second = await startTotp(u.agent, u.password);
    expect(second.secret).not.toBe(first.secret);
    const c1 = freshCode(t, first.secret);
    expect(c1).not.toBe(codeNow(t, second.secret));
    expectError(await u.agent.post('/api/mfa/totp/confirm', { code: c1 }), 401, 'invalid_code');
    ok(await u.agent.post('/api/mfa/totp/confirm', { code: codeNow(t, second.secret) }));
  });

  it('confirm turns TOTP on and shows 10 distinct recovery codes once; an email and mfa_enabled are recorded', async () => {
    const u = await user(t);
    const mailsBefore = (await mailsTo(t, u.email)).length;
    const { secret, recoveryCodes } = await enrollTotp(t, u);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(RECOVERY_CODE);
    const state = await u.agent.get('/api/mfa');
    expect(state.json()).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });
    for (const c of recoveryCodes) expect(state.body).not.toContain(c);
    expect(state.body).not.toContain(secret);
    expect((await me(u.agent)).mfa).toEqual({ enabled: true, setupRequired: false, requiredBy: null });
    expect(await countOf(u.agent, 'mfa_enabled')).toBe(1);
    expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 1);
    // Already on → 409, and the secret is unchanged (old codes keep working at login).
    expectError(await u.agent.post('/api/mfa/totp/setup', { password: u.password }), 409, 'conflict');
    expectError(await u.agent.post('/api/mfa/totp/confirm', { code: freshCode(t, secret) }), 409, 'conflict');
    const { agent } = await pendingLogin(t, u.email, u.password);
    ok(await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
  });

  it('the secret is stored encrypted and recovery codes only as hashes; neither reaches a log', async () => {
    const u = await user(t);
    const { secret, recoveryCodes } = await enrollTotp(t, u);
    const raw = Secret.fromBase32(secret);
    const dump = await databaseDump(t);
    for (const form of [secret, secret.toLowerCase(), raw.hex, raw.hex.toUpperCase(), Buffer.from(raw.bytes).toString('base64'), Buffer.from(raw.bytes).toString('base64url')]) {
      expect(dump).not.toContain(form);
    }
    for (const c of recoveryCodes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(c.replaceAll('-', ''));
      expect(dump.toLowerCase()).not.toContain(c.replaceAll('-', ''));
    }
    const totpRow = await t.db.kysely.selectFrom('mfa_totp').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(totpRow.confirmed_at).not.toBeNull();
    expect(totpRow.secret_sealed.length).toBeGreaterThan(secret.length);
    const codes = await t.db.kysely.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', u.id).execute();
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((c) => c.code_hash)).size).toBe(10);
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(secret);
    for (const c of recoveryCodes) expect(logs).not.toContain(c);
  });

  it('two enrollments of the same secret-length never share a sealed value (fresh nonce per seal)', async () => {
    const a = await user(t);
    const b = await user(t);
    await enrollTotp(t, a);
    await enrollTotp(t, b);
    const rows = await t.db.kysely.selectFrom('mfa_totp').select('secret_sealed').where('user_id', 'in', [a.id, b.id]).execute();
    expect(rows).toHaveLength(2);
    expect(rows[0]!.secret_sealed).not.toBe(rows[1]!.secret_sealed);
  });

  describe('DELETE /api/mfa/totp {password, code}', () => {
    it('wrong password, wrong code, missing code → refused and TOTP stays on', async () => {
      const u = await user(t);
      const { secret } = await enrollTotp(t, u);
      const before = await factorRows(t, u.id);
      expectError(await u.agent.delete('/api/mfa/totp', { password: 'definitely wrong pw', code: freshCode(t, secret) }), 401, 'invalid_credentials');
      expectError(await u.agent.delete('/api/mfa/totp', { password: u.password, code: wrongTotpCode(secret, t.clock.now()) }), 401, 'invalid_code');
      // A missing code with the password is answered like a wrong one (the schema also takes {passkey} alone).
      expectError(await u.agent.delete('/api/mfa/totp', { password: u.password }), 400, 'invalid_request');
      expectError(await u.agent.delete('/api/mfa/totp', { code: freshCode(t, secret) }), 400, 'invalid_request');
      expectError(await u.agent.delete('/api/mfa/totp', { password: u.password, code: freshCode(t, secret) }, { noCsrf: true }), 403, 'csrf_failed');
      // Only last_step may move (a code checked once is spent); TOTP, recovery codes and passkeys are unchanged.
      const after = await factorRows(t, u.id);
      expect(after.recovery).toEqual(before.recovery);
      expect(after.totp).toHaveLength(1);
      expect((await mfaState(u.agent)).totp).toBe(true);
      expect(await countOf(u.agent, 'mfa_disabled')).toBe(0);
    });

    it('with a current code → 204, TOTP and recovery codes gone, mfa_disabled + email, password login alone again', async () => {
      const u = await user(t);
      const { secret } = await enrollTotp(t, u);
      const mailsBefore = (await mailsTo(t, u.email)).length;
      ok(await u.agent.delete('/api/mfa/totp', { password: u.password, code: freshCode(t, secret) }), 204);
      expect(await mfaState(u.agent)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
      expect(await factorRows(t, u.id)).toEqual({ totp: [], recovery: [], passkeys: [] });
      expect(await countOf(u.agent, 'mfa_disabled')).toBe(1);
      expect((await mailsTo(t, u.email)).length).toBe(mailsBefore + 1);
      const login = await new Agent(t).post('/api/auth/login', { email: u.email, password: u.password });
      ok(login);
      expect(login.json<{ user?: { id: string } }>().user?.id).toBe(u.id);
      expectError(await u.agent.delete('/api/mfa/totp', { password: u.password, code: freshCode(t, secret) }), 409, 'conflict');
    });

    it('a recovery code also turns it off', async () => {
      const u = await user(t);
      const { recoveryCodes } = await enrollTotp(t, u);
      ok(await u.agent.delete('/api/mfa/totp', { password: u.password, code: recoveryCodes[3] }), 204);
      expect((await mfaState(u.agent)).totp).toBe(false);
    });
  });
});
