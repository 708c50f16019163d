import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Config } from '../config.js';
import type { Executor } from '../db/database.js';
import type { Passkey } from '../db/schema.js';
import { storeChallenge, takeChallenge, type ChallengeBinding } from './challenges.js';

const RP_NAME = 'Gatehouse';
/** ES256 and RS256: what platform authenticators and security keys offer. */
const ALGORITHMS = [-7, -257];
const TIMEOUT_MS = 5 * 60_000;

type WebauthnConfig = Pick<Config, 'rpId' | 'publicOrigin'>;

function parseTransports(raw: string): AuthenticatorTransportFuture[] {
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((t): t is AuthenticatorTransportFuture => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function descriptors(passkeys: readonly Passkey[]): { id: string; transports: AuthenticatorTransportFuture[] }[] {
  return passkeys.map((p) => ({ id: p.credential_id, transports: parseTransports(p.transports) }));
}

/** The challenge a response claims to answer, read from its clientDataJSON; null when unreadable. */
export function claimedChallenge(response: { response: { clientDataJSON: string } }): string | null {
  try {
    const data = decodeClientDataJSON(response.response.clientDataJSON);
    return typeof data.challenge === 'string' && data.challenge.length > 0 && data.challenge.length <= 512 ? data.challenge : null;
  } catch {
    return null;
  }
}

export interface RegistrationUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

/** Creation options for a discoverable credential with user verification; existing passkeys excluded. */
export async function registrationOptions(
  db: Executor,
  config: WebauthnConfig,
  user: RegistrationUser,
  existing: readonly Passkey[],
  binding: ChallengeBinding,
  now: number,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: config.rpId,
    userName: user.email,
    userDisplayName: user.name,
    // The user handle is our user id: a discoverable credential names its account by it.
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: descriptors(existing),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
    timeout: TIMEOUT_MS,
  });
  await storeChallenge(db, options.challenge, binding, now);
  return options;
}

/** Request options; `allowed` empty means any discoverable credential (passwordless sign-in). */
export async function authenticationOptions(
  db: Executor,
  config: WebauthnConfig,
  allowed: readonly Passkey[],
  binding: ChallengeBinding,
  now: number,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: config.rpId,
    allowCredentials: descriptors(allowed),
    userVerification: 'required',
    timeout: TIMEOUT_MS,
  });
  await storeChallenge(db, options.challenge, binding, now);
  return options;
}

export interface NewCredential {
  readonly credentialId: string;
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: string;
  readonly deviceType: string;
  readonly backedUp: boolean;
}

/**
 * Verifies an attestation against a challenge this very binding was issued (used up here, even
 * when verification then fails), our origin and RP ID, with user verification. Null: refused.
 */
export async function verifyRegistration(db: Executor, config: WebauthnConfig, response: RegistrationResponseJSON, binding: ChallengeBinding, now: number): Promise<NewCredential | null> {
  const challenge = await takeClaimedChallenge(db, response, binding, now);
  if (challenge === null) return null;
  return refusedOnThrow(async () => {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: config.publicOrigin,
      expectedRPID: config.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!result.verified) return null;
    const info = result.registrationInfo;
    return {
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: JSON.stringify(response.response.transports ?? []),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
    };
  });
}

/** The challenge the response claims, used up here if this binding was issued it; else null. */
async function takeClaimedChallenge(db: Executor, response: { response: { clientDataJSON: string } }, binding: ChallengeBinding, now: number): Promise<string | null> {
  const challenge = claimedChallenge(response);
  return challenge !== null && (await takeChallenge(db, challenge, binding, now)) ? challenge : null;
}

/** A library verification that throws is a refusal: its messages describe the response and are never echoed to the caller. */
async function refusedOnThrow<T>(verify: () => Promise<T | null>): Promise<T | null> {
  try {
    return await verify();
  } catch {
    return null;
  }
}

export type AssertionOutcome =
  | { readonly ok: true; readonly newCounter: number }
  | { readonly ok: false; readonly reason: 'invalid' | 'counter' };

/**
 * Verifies an assertion by `passkey` for a challenge issued to this binding (used up here). A
 * genuine signature whose counter does not move forward (when either side has ever counted) is its
 * own outcome: a cloned authenticator, recorded by the caller. A forgery is only ever 'invalid'.
 */
export async function verifyAssertion(
  db: Executor,
  config: WebauthnConfig,
  response: AuthenticationResponseJSON,
  passkey: Passkey,
  binding: ChallengeBinding,
  now: number,
): Promise<AssertionOutcome> {
  const challenge = await takeClaimedChallenge(db, response, binding, now);
  if (challenge === null) return { ok: false, reason: 'invalid' };
  const verify = (counter: number): Promise<number | null> =>
    refusedOnThrow(async () => {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: config.publicOrigin,
        expectedRPID: config.rpId,
        credential: { id: passkey.credential_id, publicKey: isoBase64URL.toBuffer(passkey.public_key), counter, transports: parseTransports(passkey.transports) },
        requireUserVerification: true,
      });
      return result.verified ? result.authenticationInfo.newCounter : null;
    });
  const newCounter = await verify(passkey.counter);
  if (newCounter !== null) return { ok: true, newCounter };
  // Refused: was it only the counter? Verifying again as if nothing had been counted tells.
  const genuine = passkey.counter > 0 ? await verify(0) : null;
  return { ok: false, reason: genuine !== null && genuine <= passkey.counter ? 'counter' : 'invalid' };
}
