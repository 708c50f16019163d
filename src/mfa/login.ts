import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import { findUserWithOrg, type UserWithOrg } from '../account/users.js';
import { clearLoginFailures } from '../account/auth-service.js';
import { accountCeiling } from '../account/login-ceiling.js';
import { parseAuthMethods, type AuthMethod } from '../session/sessions.js';
import type { MfaPending } from '../db/schema.js';
import type { Executor } from '../db/database.js';
import { assertPasskey } from './passkey-auth.js';
import { endPendingLogin, failPendingLogin, readPendingLogin } from './pending.js';
import { consumeRecoveryCode } from './recovery-codes.js';
import { claimTotpStep, matchTotpCode, type TotpMatch } from './totp.js';

export type SecondFactorProof =
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery_code'; readonly code: string }
  | { readonly kind: 'passkey'; readonly response: AuthenticationResponseJSON };

export interface CompletedLogin {
  readonly user: UserWithOrg;
  readonly authMethods: readonly AuthMethod[];
  /**
   * Runs `start` (which creates the session) with `within`: the work committed in the session's
   * own transaction, ending the pending login and spending a TOTP code. A code spent in between by
   * another request rolls the session back and is then counted as a wrong code (`invalid_code`).
   */
  readonly commit: <T>(start: (within: (trx: Executor) => Promise<void>) => Promise<T>) => Promise<T>;
}

/** Thrown inside the session's transaction when a TOTP code's step was claimed in the meantime. */
class TotpStepTaken extends Error {}

/** The live pending login of a `gh_mfa` cookie and its (still enabled) user; 401/403 otherwise. */
export async function pendingLoginOf(s: Services, token: string | undefined): Promise<{ pending: MfaPending; user: UserWithOrg }> {
  const pending = token === undefined ? null : await readPendingLogin(s.db.kysely, s.mfaKeys, token, s.clock.now());
  if (pending === null) throw new AppError('unauthenticated', 'Your sign-in expired. Enter your email and password again.');
  const user = await findUserWithOrg(s.db.kysely, pending.user_id);
  if (user === undefined) throw new AppError('unauthenticated');
  if (user.disabled === 1) throw new AppError('account_inactive');
  return { pending, user };
}

/** Whether the proof holds; a TOTP code is matched here and spent only with the session (CompletedLogin.commit). */
async function proofHolds(s: Services, pending: MfaPending, user: UserWithOrg, proof: SecondFactorProof, meta: RequestMeta): Promise<TotpMatch | boolean> {
  const now = s.clock.now();
  switch (proof.kind) {
    case 'totp':
      return (await matchTotpCode(s.db.kysely, s.mfaBox, user.id, proof.code, now, 'confirmed')) ?? false;
    case 'recovery_code':
      return consumeRecoveryCode(s.db.kysely, user.id, proof.code, now);
    case 'passkey':
      return (await assertPasskey(s, proof.response, { purpose: 'mfa', boundTo: pending.id, userId: user.id }, user.id, meta)).ok;
  }
}

/**
 * A wrong proof counts against this pending login (the fifth ends it) and against the login limits
 * of the account and address, on every instance (the counters live in the shared store), so a
 * stolen password cannot be followed by guessing codes.
 */
async function countWrongProof(s: Services, pending: MfaPending, user: UserWithOrg, acctIpKey: string, meta: RequestMeta): Promise<AppError> {
  const now = s.clock.now();
  const alive = await failPendingLogin(s.db.kysely, pending.id, now);
  await s.limiter.record(s.limits.loginAccountIp, acctIpKey);
  await s.limiter.record(s.limits.loginAccount, user.email);
  await recordEvent(s.db.kysely, { type: 'mfa_failed', userId: user.id, actor: null, target: { id: user.id, email: user.email }, meta, at: now });
  return new AppError('invalid_code', alive ? undefined : 'Too many wrong codes. Sign in again.');
}

/** The second step of a password login (or of an external provider's sign-in). */
export async function completeSecondFactor(s: Services, token: string | undefined, proof: SecondFactorProof, meta: RequestMeta): Promise<CompletedLogin> {
  const { pending, user } = await pendingLoginOf(s, token);
  const acctIpKey = `${user.email}|${meta.ip ?? 'unknown'}`;
  await s.limiter.check(s.limits.loginAccountIp, acctIpKey);
  // The same per-account ceiling as the password step (an address that signed in before passes).
  await accountCeiling(s, user.email, meta.ip)();
  const holds = await proofHolds(s, pending, user, proof, meta);
  if (holds === false) throw await countWrongProof(s, pending, user, acctIpKey, meta);
  const totp = holds === true ? null : holds;
  await clearLoginFailures(s, user.email, meta);
  // The first step was the password, or an external provider's sign-in (recorded with the pending login).
  const first = parseAuthMethods(pending.first_method ?? 'password')[0] ?? 'password';
  const within = async (trx: Executor): Promise<void> => {
    // Single use: of two requests racing with one gh_mfa, only one ends it; the other's session rolls back.
    if (!(await endPendingLogin(trx, pending.id, s.clock.now()))) throw new AppError('unauthenticated');
    // The code is spent in the same commit as the session (one commit instead of two). Two requests
    // racing with one code serialize on the user (startSession locks it): the later finds the step taken.
    if (totp !== null && !(await claimTotpStep(trx, totp))) throw new TotpStepTaken();
  };
  return {
    user,
    authMethods: [first, proof.kind],
    commit: async (start) => {
      try {
        return await start(within);
      } catch (e) {
        // Counted outside the rolled-back transaction, exactly as a wrong code.
        if (e instanceof TotpStepTaken) throw await countWrongProof(s, pending, user, acctIpKey, meta);
        throw e;
      }
    },
  };
}

/** Passwordless: a discoverable passkey names its own account; failures are plain invalid credentials. */
export async function signInWithPasskey(s: Services, browserId: string | undefined, response: AuthenticationResponseJSON, meta: RequestMeta): Promise<UserWithOrg> {
  if (browserId === undefined) throw new AppError('invalid_credentials', 'That passkey could not be verified. Try again.');
  const outcome = await assertPasskey(s, response, { purpose: 'passwordless', boundTo: browserId, userId: null }, null, meta);
  if (!outcome.ok) throw new AppError('invalid_credentials', 'That passkey could not be verified. Try again.');
  const user = await findUserWithOrg(s.db.kysely, outcome.passkey.user_id);
  if (user === undefined) throw new AppError('invalid_credentials');
  if (user.disabled === 1) throw new AppError('account_inactive');
  await clearLoginFailures(s, user.email, meta);
  return user;
}
