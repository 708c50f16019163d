import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { AppError, invalidRequest } from '../errors.js';
import type { Services } from '../services.js';
import { newId } from '../crypto/random.js';
import { isUniqueViolation } from '../db/errors.js';
import { recordEvent, type EventInput, type RequestMeta, type SecurityEventType } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import { confirmPassword } from '../account/auth-service.js';
import { countFactors, hasSecondFactor } from './factors.js';
import { sendMfaNotice } from './notices.js';
import { deletePasskey, insertPasskey, listPasskeys, toPasskeyView, type PasskeyView } from './passkeys.js';
import { reauthenticate, type ReauthProof } from './reauth.js';
import { consumeRecoveryCode, deleteRecoveryCodes, replaceRecoveryCodes } from './recovery-codes.js';
import { checkTotpCode, deleteTotp, findTotp, newTotpSecret, savePendingTotp, type TotpEnrollment } from './totp.js';
import { registrationOptions, verifyRegistration } from './webauthn.js';

export interface MfaOverview {
  totp: boolean;
  passkeys: PasskeyView[];
  recoveryCodesLeft: number;
}

export async function mfaOverview(s: Services, userId: string): Promise<MfaOverview> {
  const [factors, passkeys] = [await countFactors(s.db.kysely, userId), await listPasskeys(s.db.kysely, userId)];
  return { totp: factors.totp, passkeys: passkeys.map(toPasskeyView), recoveryCodesLeft: factors.recoveryCodesLeft };
}

/** Second factors are credentials: an impersonating admin may look, never change them. */
function requireOwnSession(auth: AuthContext): void {
  if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
}

function event(auth: AuthContext, type: SecurityEventType, meta: RequestMeta, at: number): EventInput {
  const me = { id: auth.user.id, email: auth.user.email };
  return { type, userId: me.id, actor: me, target: me, meta, at };
}

export async function startTotpSetup(s: Services, auth: AuthContext, password: string, meta: RequestMeta): Promise<TotpEnrollment> {
  requireOwnSession(auth);
  await confirmPassword(s, auth.user.id, password, meta);
  const existing = await findTotp(s.db.kysely, auth.user.id);
  if (existing?.confirmed_at != null) throw new AppError('conflict', 'An authenticator app is already set up. Turn it off first to replace it.');
  const enrollment = newTotpSecret(auth.user.email);
  await savePendingTotp(s.db.kysely, s.mfaBox, auth.user.id, enrollment.secret, s.clock.now());
  return enrollment;
}

export async function confirmTotpSetup(s: Services, auth: AuthContext, code: string, meta: RequestMeta): Promise<string[]> {
  requireOwnSession(auth);
  const pending = await findTotp(s.db.kysely, auth.user.id);
  if (pending === undefined || pending.confirmed_at !== null) throw new AppError('conflict', 'Start the authenticator app setup first.');
  const now = s.clock.now();
  if ((await checkTotpCode(s.db.kysely, s.mfaBox, auth.user.id, code, now, 'pending')) !== 'ok') throw new AppError('invalid_code');
  const codes = await s.db.kysely.transaction().execute(async (trx) => {
    const fresh = await replaceRecoveryCodes(trx, auth.user.id, now);
    await recordEvent(trx, event(auth, 'mfa_enabled', meta, now));
    return fresh;
  });
  sendMfaNotice(s, auth.user.email, 'totp_on');
  return codes;
}

/** With no second factor left, recovery codes have nothing to recover: they go too. */
async function dropCodesWithoutFactor(s: Services, userId: string): Promise<void> {
  if (!hasSecondFactor(await countFactors(s.db.kysely, userId))) await deleteRecoveryCodes(s.db.kysely, userId);
}

export async function disableTotp(s: Services, auth: AuthContext, proof: ReauthProof, code: string | undefined, meta: RequestMeta): Promise<void> {
  requireOwnSession(auth);
  // With the password, the code proves the second factor: without one the request is incomplete.
  if (proof.passkey === undefined && code === undefined) throw invalidRequest({ code: 'Enter a code from your authenticator app or a recovery code.' });
  await reauthenticate(s, auth, proof, meta);
  const totp = await findTotp(s.db.kysely, auth.user.id);
  if (totp?.confirmed_at == null) throw new AppError('conflict', 'No authenticator app is set up.');
  const now = s.clock.now();
  // A passkey assertion is two factors in one; with the password, the code proves the second.
  if (code !== undefined) {
    const ok =
      /^[0-9]{6}$/.test(code)
        ? (await checkTotpCode(s.db.kysely, s.mfaBox, auth.user.id, code, now, 'confirmed')) === 'ok'
        : await consumeRecoveryCode(s.db.kysely, auth.user.id, code, now);
    if (!ok) throw new AppError('invalid_code');
  }
  await deleteTotp(s.db.kysely, auth.user.id);
  await dropCodesWithoutFactor(s, auth.user.id);
  await recordEvent(s.db.kysely, event(auth, 'mfa_disabled', meta, now));
  sendMfaNotice(s, auth.user.email, 'totp_off');
}

export async function regenerateRecoveryCodes(s: Services, auth: AuthContext, proof: ReauthProof, meta: RequestMeta): Promise<string[]> {
  requireOwnSession(auth);
  await reauthenticate(s, auth, proof, meta);
  if (!hasSecondFactor(await countFactors(s.db.kysely, auth.user.id))) throw new AppError('conflict', 'Set up an authenticator app or a passkey first.');
  const now = s.clock.now();
  return s.db.kysely.transaction().execute(async (trx) => {
    const codes = await replaceRecoveryCodes(trx, auth.user.id, now);
    await recordEvent(trx, event(auth, 'recovery_codes_regenerated', meta, now));
    return codes;
  });
}

export async function passkeyCreationOptions(s: Services, auth: AuthContext, password: string, meta: RequestMeta): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireOwnSession(auth);
  await confirmPassword(s, auth.user.id, password, meta);
  const existing = await listPasskeys(s.db.kysely, auth.user.id);
  return registrationOptions(s.db.kysely, s.config, auth.user, existing, { purpose: 'register', boundTo: auth.sessionId, userId: auth.user.id }, s.clock.now());
}

export async function addPasskey(s: Services, auth: AuthContext, response: RegistrationResponseJSON, name: string | undefined, meta: RequestMeta): Promise<PasskeyView> {
  requireOwnSession(auth);
  const now = s.clock.now();
  const credential = await verifyRegistration(s.db.kysely, s.config, response, { purpose: 'register', boundTo: auth.sessionId, userId: auth.user.id }, now);
  if (credential === null) throw new AppError('invalid_request', 'The passkey could not be verified. Start again.');
  const count = (await listPasskeys(s.db.kysely, auth.user.id)).length;
  const row = {
    id: newId(),
    user_id: auth.user.id,
    credential_id: credential.credentialId,
    public_key: credential.publicKey,
    counter: credential.counter,
    transports: credential.transports,
    name: name?.trim() === undefined || name.trim() === '' ? `Passkey ${String(count + 1)}` : name.trim(),
    device_type: credential.deviceType,
    backed_up: credential.backedUp ? 1 : 0,
    created_at: now,
    last_used_at: null,
  };
  try {
    await s.db.kysely.transaction().execute(async (trx) => {
      await insertPasskey(trx, row);
      await recordEvent(trx, event(auth, 'passkey_added', meta, now));
    });
  } catch (e) {
    // The same authenticator registered twice (by anyone): one credential, one account.
    if (isUniqueViolation(e)) throw new AppError('conflict', 'This passkey is already registered.');
    throw e;
  }
  sendMfaNotice(s, auth.user.email, 'passkey_added');
  return toPasskeyView(row);
}

export async function removePasskey(s: Services, auth: AuthContext, id: string, proof: ReauthProof, meta: RequestMeta): Promise<void> {
  requireOwnSession(auth);
  await reauthenticate(s, auth, proof, meta);
  const now = s.clock.now();
  if (!(await deletePasskey(s.db.kysely, auth.user.id, id))) throw new AppError('not_found');
  await dropCodesWithoutFactor(s, auth.user.id);
  await recordEvent(s.db.kysely, event(auth, 'passkey_removed', meta, now));
  sendMfaNotice(s, auth.user.email, 'passkey_removed');
}
