import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Agent, type TestApp } from '../helpers/app.js';
import { expectError, hkdfSha256, newUser, nextIp, type NewUser } from '../core/support.js';
import { TOTP_PERIOD_MS, totpCode } from '../helpers/totp.js';
import type { SoftAuthenticator } from '../helpers/webauthn.js';

/**
 * Shared setup for the second-factor suites, written from the contract ("Second factors and
 * passkeys") and the integrator's notes (/work/notes/mfa-api.md), not from src/.
 */

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface MfaView {
  totp: boolean;
  passkeys: PasskeyView[];
  recoveryCodesLeft: number;
}

export interface MeView {
  user: { id: string; email: string; name: string };
  session: { id: string; authMethods: string[] };
  mfa: { enabled: boolean; setupRequired: boolean };
}

export const MFA_COOKIE = 'gh_mfa';
export const WEBAUTHN_COOKIE = 'gh_webauthn';
/** 5 minutes plus more than the 5 s JWT leeway. */
export const PAST_CHALLENGE_LIFETIME_MS = 5 * 60_000 + 10_000;

/** Recovery codes: 4 groups of 4 from an alphabet without i, l, o, 0, 1. */
export const RECOVERY_CODE = /^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/;

export function ok(res: LightMyRequestResponse, status = 200): void {
  expect(res.statusCode, res.body).toBe(status);
}

export async function mfaState(agent: Agent): Promise<MfaView> {
  const res = await agent.get('/api/mfa');
  ok(res);
  return res.json<MfaView>();
}

export async function me(agent: Agent): Promise<MeView> {
  const res = await agent.get('/api/auth/me');
  ok(res);
  return res.json<MeView>();
}

/** The current TOTP code at the app's clock. */
export function codeNow(t: TestApp, secret: string, stepOffset = 0): string {
  return totpCode(secret, t.clock.now(), stepOffset);
}

/** Moves the clock to the next 30 s step and returns that step's code (a code never used before). */
export function freshCode(t: TestApp, secret: string): string {
  t.clock.advance(TOTP_PERIOD_MS);
  return codeNow(t, secret);
}

export async function startTotp(agent: Agent, password: string): Promise<{ secret: string; otpauthUri: string }> {
  const res = await agent.post('/api/mfa/totp/setup', { password });
  ok(res);
  return res.json<{ secret: string; otpauthUri: string }>();
}

export interface TotpEnrollment {
  secret: string;
  recoveryCodes: string[];
}

/** Setup + confirm with the user's own session. */
export async function enrollTotp(t: TestApp, user: { agent: Agent; password: string }): Promise<TotpEnrollment> {
  const { secret } = await startTotp(user.agent, user.password);
  const res = await user.agent.post('/api/mfa/totp/confirm', { code: freshCode(t, secret) });
  ok(res);
  return { secret, recoveryCodes: res.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

export async function passkeyOptions(agent: Agent, password: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const res = await agent.post('/api/passkeys/options', { password });
  ok(res);
  return res.json<PublicKeyCredentialCreationOptionsJSON>();
}

/** Options + register; returns the passkey view and the authenticator's credential id. */
export async function enrollPasskey(user: { agent: Agent; password: string }, authenticator: SoftAuthenticator, name?: string): Promise<{ passkey: PasskeyView; credentialId: string }> {
  const options = await passkeyOptions(user.agent, user.password);
  const response = authenticator.createCredential(options);
  const res = await user.agent.post('/api/passkeys', name === undefined ? { response } : { response, name });
  ok(res, 201);
  return { passkey: res.json<{ passkey: PasskeyView }>().passkey, credentialId: response.id };
}

/** A password login that must stop at the second-factor step: the agent holds only gh_mfa. */
export async function pendingLogin(t: TestApp, email: string, password: string, ip = nextIp()): Promise<{ agent: Agent; methods: string[]; res: LightMyRequestResponse }> {
  const agent = new Agent(t, ip);
  const res = await agent.post('/api/auth/login', { email, password });
  ok(res);
  const body = res.json<{ mfaRequired?: boolean; methods?: string[]; user?: unknown }>();
  expect(body.mfaRequired).toBe(true);
  expect(body.user).toBeUndefined();
  expect(agent.jar.has(MFA_COOKIE)).toBe(true);
  expect(agent.sessionCookie).toBeUndefined();
  expect(agent.csrfCookie).toBeUndefined();
  return { agent, methods: body.methods ?? [], res };
}

/** Password + TOTP login; returns the signed-in agent. */
export async function loginWithTotp(t: TestApp, email: string, password: string, secret: string): Promise<Agent> {
  const { agent } = await pendingLogin(t, email, password);
  const res = await agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) });
  ok(res);
  expect(agent.sessionCookie).toBeDefined();
  return agent;
}

export async function mfaLoginOptions(agent: Agent): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await agent.post('/api/auth/login/mfa/options');
  ok(res);
  return res.json<PublicKeyCredentialRequestOptionsJSON>();
}

/** Passwordless: options (sets gh_webauthn) then the assertion. */
export async function passwordless(t: TestApp, authenticator: SoftAuthenticator, ip = nextIp()): Promise<{ agent: Agent; res: LightMyRequestResponse }> {
  const agent = new Agent(t, ip);
  const options = await passwordlessOptions(agent);
  const res = await agent.post('/api/auth/passkey', { response: authenticator.getAssertion(options) });
  return { agent, res };
}

export async function passwordlessOptions(agent: Agent): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await agent.post('/api/auth/passkey/options');
  ok(res);
  return res.json<PublicKeyCredentialRequestOptionsJSON>();
}

export async function reauthOptions(agent: Agent): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await agent.post('/api/passkeys/reauth/options');
  ok(res);
  return res.json<PublicKeyCredentialRequestOptionsJSON>();
}

/** Emails sent so far to this address. */
export async function mailsTo(t: TestApp, to: string): Promise<{ subject: string; text: string }[]> {
  return (await t.outbox()).filter((m) => m.to === to);
}

export async function eventsOf(agent: Agent): Promise<{ type: string; actor: { id: string } | null; target: { id: string } | null }[]> {
  const res = await agent.get('/api/security-events');
  ok(res);
  return res.json<{ events: { type: string; actor: { id: string } | null; target: { id: string } | null }[] }>().events;
}

export async function countOf(agent: Agent, type: string): Promise<number> {
  return (await eventsOf(agent)).filter((e) => e.type === type).length;
}

/** The contract's key for the gh_mfa audience: HKDF(secret, info "gatehouse:gatehouse-mfa"). */
export function mfaKey(secret: string): Uint8Array {
  return hkdfSha256(Buffer.from(secret, 'utf8'), new Uint8Array(0), Buffer.from('gatehouse:gatehouse-mfa', 'utf8'), 32);
}

/** Every row of the tables a second factor could leave a trace in, as one string. */
export async function databaseDump(t: TestApp): Promise<string> {
  const k = t.db.kysely;
  const tables = [
    await k.selectFrom('users').selectAll().execute(),
    await k.selectFrom('sessions').selectAll().execute(),
    await k.selectFrom('security_events').selectAll().execute(),
    await k.selectFrom('outbox').selectAll().execute(),
    await k.selectFrom('mfa_totp').selectAll().execute(),
    await k.selectFrom('recovery_codes').selectAll().execute(),
    await k.selectFrom('passkeys').selectAll().execute(),
    await k.selectFrom('webauthn_challenges').selectAll().execute(),
    await k.selectFrom('mfa_pending').selectAll().execute(),
  ];
  return JSON.stringify(tables, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The rows that enabling, using or removing a factor changes: for "nothing changed" checks. */
export async function factorRows(t: TestApp, userId: string): Promise<{ totp: unknown[]; recovery: unknown[]; passkeys: unknown[] }> {
  const k = t.db.kysely;
  return {
    totp: await k.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).execute(),
    recovery: await k.selectFrom('recovery_codes').selectAll().where('user_id', '=', userId).orderBy('id').execute(),
    passkeys: await k.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('id').execute(),
  };
}

export async function expectSignedIn(agent: Agent, methods: string[]): Promise<MeView> {
  const m = await me(agent);
  expect(m.session.authMethods).toEqual(methods);
  return m;
}

/** POST /api/auth/login/mfa is refused with this error and no session cookie appears. */
export async function expectMfaRefused(agent: Agent, body: unknown, status: number, code: string): Promise<void> {
  expectError(await agent.post('/api/auth/login/mfa', body), status, code);
  expect(agent.sessionCookie).toBeUndefined();
}

/** A fresh user from a fresh IP (password: STRONG_PASSWORD). */
export function user(t: TestApp, fields: Parameters<typeof newUser>[1] = {}): Promise<NewUser> {
  return newUser(t, fields);
}
