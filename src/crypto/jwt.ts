import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';

export type Audience = 'gatehouse-session' | 'gatehouse-email' | 'gatehouse-mfa';

/** `typ` header per token family, checked on verify so one family can never pass for another. */
const TYP: Record<Audience, string> = {
  'gatehouse-session': 'gatehouse-session+jwt',
  'gatehouse-email': 'gatehouse-email+jwt',
  'gatehouse-mfa': 'gatehouse-mfa+jwt',
};

/**
 * HKDF-SHA256(ikm = secret, salt = empty, info = "gatehouse:" + audience, 32 bytes), as the contract
 * fixes it: each token family has its own key, so a leak or a missing audience check in one family
 * cannot mint tokens of another.
 */
export function deriveKeyBytes(secret: string, audience: Audience): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `gatehouse:${audience}`, 32));
}

/** Keys are derived and imported once per app (KeyObjects), never per token. */
export interface TokenKeys {
  readonly audience: Audience;
  /** Signs: the current secret's key. */
  readonly signer: KeyObject;
  /** The protected header every token of this family carries, already base64url-encoded. */
  readonly headerSegment: string;
  /** Verify keys, current first; the previous secret's key still verifies during a rotation, never signs. */
  readonly verifiers: readonly KeyObject[];
  /** Tokens whose signature and time-independent claims already verified (see VerifiedTokens); absent: none kept. */
  readonly verified: VerifiedTokens | undefined;
}

/**
 * A token is an immutable string and the keys never change while the process runs, so its
 * signature, header, audience and subject verify the same way every time: a browser presents the
 * same session token on every request for days. The outcome of those checks is kept for the most
 * recent `capacity` tokens (oldest first out), so a repeat costs a map lookup instead of an HMAC
 * and two JSON parses. Only genuine tokens are kept (a forgery is never stored), the time checks
 * (exp, iat, nbf) run on every use, and this is no cache of the session: the session and user rows
 * are still read and checked on every request.
 */
export class VerifiedTokens {
  readonly #payloads = new Map<string, JWTPayload>();
  constructor(readonly capacity: number) {}

  get(token: string): JWTPayload | undefined {
    return this.#payloads.get(token);
  }

  remember(token: string, payload: JWTPayload): void {
    if (this.#payloads.size >= this.capacity) {
      const oldest = this.#payloads.keys().next();
      if (oldest.done !== true) this.#payloads.delete(oldest.value);
    }
    this.#payloads.set(token, Object.freeze(payload));
  }

  get size(): number {
    return this.#payloads.size;
  }
}

export interface TokenKeyOptions {
  /** How many verified tokens to remember (0: none; email tokens are used once, so they keep none). */
  readonly verifiedCapacity?: number;
}

export function createTokenKeys(audience: Audience, secret: string, previousSecret: string | undefined, options: TokenKeyOptions = {}): Promise<TokenKeys> {
  const signer = createSecretKey(deriveKeyBytes(secret, audience));
  const capacity = options.verifiedCapacity ?? 0;
  return Promise.resolve({
    audience,
    signer,
    headerSegment: Buffer.from(JSON.stringify({ alg: 'HS256', typ: TYP[audience] })).toString('base64url'),
    verifiers: [signer, ...(previousSecret === undefined ? [] : [createSecretKey(deriveKeyBytes(previousSecret, audience))])],
    verified: capacity > 0 ? new VerifiedTokens(capacity) : undefined,
  });
}

export interface SignOptions {
  readonly subject: string;
  readonly issuedAtSec: number;
  readonly expiresAtSec: number;
  readonly jti?: string;
}

/**
 * JWS compact HS256 (RFC 7515/7519) with node:crypto's HMAC, synchronously: jose's SignJWT goes
 * through WebCrypto, which sends every HMAC to the thread pool and back. The tests verify these
 * tokens with jose and the contract's key derivation, so the format cannot drift.
 */
export function signToken(keys: TokenKeys, claims: JWTPayload, options: SignOptions): Promise<string> {
  if (!Number.isSafeInteger(options.issuedAtSec) || !Number.isSafeInteger(options.expiresAtSec)) {
    return Promise.reject(new TypeError('signToken: times must be integer epoch seconds'));
  }
  const payload: JWTPayload = {
    ...claims,
    aud: keys.audience,
    sub: options.subject,
    iat: options.issuedAtSec,
    exp: options.expiresAtSec,
    ...(options.jti === undefined ? {} : { jti: options.jti }),
  };
  const signingInput = `${keys.headerSegment}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return Promise.resolve(`${signingInput}.${createHmac('sha256', keys.signer).update(signingInput).digest('base64url')}`);
}

export type VerifyOutcome =
  | { readonly ok: true; readonly payload: JWTPayload }
  | { readonly ok: false; readonly reason: 'expired'; readonly payload: JWTPayload }
  | { readonly ok: false; readonly reason: 'invalid' };

/** Leeway for clock skew between instances; the contract allows at most 5 s. */
export const CLOCK_TOLERANCE_SEC = 5;

/** The only header a token of ours may carry: `{"alg":"HS256","typ":…}` (no `crit`, `kid`, `jku`, …). */
const HEADER_KEYS = new Set(['alg', 'typ']);
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** base64url of a 32-byte HMAC-SHA256, without padding. */
const SIGNATURE_LENGTH = 43;
const INVALID: VerifyOutcome = Object.freeze({ ok: false, reason: 'invalid' });

function decodeObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function signatureMatches(key: KeyObject, signingInput: string, signature: string): boolean {
  // Compared in canonical base64url, so a signature with different unused trailing bits is refused too.
  const expected = createHmac('sha256', key).update(signingInput).digest('base64url');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function hasAudience(aud: unknown, audience: Audience): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

/**
 * JWS compact HS256 verification by hand (node:crypto HMAC, synchronous, on a key object built
 * once): jose's jwtVerify goes through WebCrypto, which hands every HMAC to the thread pool.
 * Same checks as before, in the same order: exact header (alg allow-list: HS256 only, so `none`
 * and every other alg are refused; our `typ`; nothing else), signature, then claims: aud, sub,
 * exp and iat required, nbf honoured, iat not in the future, clock leeway CLOCK_TOLERANCE_SEC.
 */
function verifyWith(token: string, keys: TokenKeys, nowMs: number): VerifyOutcome {
  const remembered = keys.verified?.get(token);
  if (remembered !== undefined) return checkTimes(remembered, nowMs);
  const payload = verifySignedParts(token, keys);
  if (payload === undefined) return INVALID;
  keys.verified?.remember(token, payload);
  return checkTimes(payload, nowMs);
}

/** Everything about a token that does not depend on the time: structure, header, signature, aud, sub, claim types. */
function verifySignedParts(token: string, keys: TokenKeys): JWTPayload | undefined {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 <= 0 || dot2 <= dot1 + 1 || token.indexOf('.', dot2 + 1) !== -1) return undefined;
  const headerSegment = token.slice(0, dot1);
  const payloadSegment = token.slice(dot1 + 1, dot2);
  const signature = token.slice(dot2 + 1);
  if (signature.length !== SIGNATURE_LENGTH || !SEGMENT.test(headerSegment) || !SEGMENT.test(payloadSegment) || !SEGMENT.test(signature)) {
    return undefined;
  }
  const header = decodeObject(headerSegment);
  if (header?.alg !== 'HS256' || header.typ !== TYP[keys.audience] || Object.keys(header).some((k) => !HEADER_KEYS.has(k))) return undefined;
  const signingInput = token.slice(0, dot2);
  if (!keys.verifiers.some((key) => signatureMatches(key, signingInput, signature))) return undefined;
  const payload = decodeObject(payloadSegment);
  if (payload === undefined || !hasAudience(payload.aud, keys.audience) || typeof payload.sub !== 'string') return undefined;
  const { exp, iat, nbf } = payload;
  if (!isNumericDate(exp) || !isNumericDate(iat) || (nbf !== undefined && !isNumericDate(nbf))) return undefined;
  return payload;
}

/** exp, iat and nbf against now, with CLOCK_TOLERANCE_SEC of leeway: run on every use. */
function checkTimes(payload: JWTPayload, nowMs: number): VerifyOutcome {
  const { exp, iat, nbf } = payload as { exp: number; iat: number; nbf?: number };
  const now = Math.floor(nowMs / 1000);
  if (iat > now + CLOCK_TOLERANCE_SEC || (nbf !== undefined && nbf > now + CLOCK_TOLERANCE_SEC)) return INVALID;
  // Only reached for a genuine token (signature verified): it is real but out of date.
  if (exp <= now - CLOCK_TOLERANCE_SEC) return { ok: false, reason: 'expired', payload };
  return { ok: true, payload };
}

export function verifyToken(keys: TokenKeys, token: string, nowMs: number): Promise<VerifyOutcome> {
  return Promise.resolve(verifyWith(token, keys, nowMs));
}

/** verifyToken without the promise, for the per-request session check (HMAC here is synchronous). */
export function verifyTokenNow(keys: TokenKeys, token: string, nowMs: number): VerifyOutcome {
  return verifyWith(token, keys, nowMs);
}
