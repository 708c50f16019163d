import { hkdfSync, webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';

export type Audience = 'gatehouse-session' | 'gatehouse-email';

/** `typ` header per token family, checked on verify so one family can never pass for another. */
const TYP: Record<Audience, string> = {
  'gatehouse-session': 'gatehouse-session+jwt',
  'gatehouse-email': 'gatehouse-email+jwt',
};

/**
 * HKDF-SHA256(ikm = secret, salt = empty, info = "gatehouse:" + audience, 32 bytes), as the contract
 * fixes it: each token family has its own key, so a leak or a missing audience check in one family
 * cannot mint tokens of another.
 */
export function deriveKeyBytes(secret: string, audience: Audience): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `gatehouse:${audience}`, 32));
}

async function importHmacKey(bytes: Uint8Array): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export interface TokenKeys {
  readonly audience: Audience;
  readonly current: webcrypto.CryptoKey;
  /** Still verifies during a key rotation; never signs. */
  readonly previous: webcrypto.CryptoKey | undefined;
}

export async function createTokenKeys(audience: Audience, secret: string, previousSecret: string | undefined): Promise<TokenKeys> {
  return {
    audience,
    current: await importHmacKey(deriveKeyBytes(secret, audience)),
    previous: previousSecret === undefined ? undefined : await importHmacKey(deriveKeyBytes(previousSecret, audience)),
  };
}

export interface SignOptions {
  readonly subject: string;
  readonly issuedAtSec: number;
  readonly expiresAtSec: number;
  readonly jti?: string;
}

export async function signToken(keys: TokenKeys, claims: JWTPayload, options: SignOptions): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: TYP[keys.audience] })
    .setAudience(keys.audience)
    .setSubject(options.subject)
    .setIssuedAt(options.issuedAtSec)
    .setExpirationTime(options.expiresAtSec);
  if (options.jti !== undefined) jwt.setJti(options.jti);
  return jwt.sign(keys.current);
}

export type VerifyOutcome =
  | { readonly ok: true; readonly payload: JWTPayload }
  | { readonly ok: false; readonly reason: 'expired'; readonly payload: JWTPayload }
  | { readonly ok: false; readonly reason: 'invalid' };

/** Leeway for clock skew between instances; the contract allows at most 5 s. */
export const CLOCK_TOLERANCE_SEC = 5;

async function verifyWith(token: string, key: webcrypto.CryptoKey, keys: TokenKeys, nowMs: number): Promise<VerifyOutcome> {
  try {
    const { payload } = await jwtVerify(token, key, {
      // Algorithm allow-list: `none`, HS384/512 and every asymmetric alg are refused.
      algorithms: ['HS256'],
      audience: keys.audience,
      typ: TYP[keys.audience],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return { ok: true, payload };
  } catch (e) {
    // Only reached after the signature verified: the token is genuine but out of date.
    if (e instanceof errors.JWTExpired) return { ok: false, reason: 'expired', payload: e.payload };
    return { ok: false, reason: 'invalid' };
  }
}

export async function verifyToken(keys: TokenKeys, token: string, nowMs: number): Promise<VerifyOutcome> {
  const first = await verifyWith(token, keys.current, keys, nowMs);
  if (first.ok || first.reason === 'expired' || keys.previous === undefined) return first;
  return verifyWith(token, keys.previous, keys, nowMs);
}
