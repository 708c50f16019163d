import { signToken, verifyTokenNow, type TokenKeys } from '../crypto/jwt.js';

/**
 * Verified session tokens remembered per process (about 0.5 KiB each): more than the active
 * sessions of most deployments; beyond it the oldest are verified again on their next use.
 */
export const VERIFIED_SESSION_TOKENS = 10_000;

export interface SessionClaims {
  readonly sessionId: string;
  readonly userId: string;
  readonly csrf: string;
}

export async function issueSessionToken(
  keys: TokenKeys,
  claims: SessionClaims,
  issuedAtMs: number,
  expiresAtMs: number,
): Promise<string> {
  return signToken(keys, { sid: claims.sessionId, csrf: claims.csrf }, {
    subject: claims.userId,
    issuedAtSec: Math.floor(issuedAtMs / 1000),
    expiresAtSec: Math.floor(expiresAtMs / 1000),
  });
}

/** Returns the claims of a genuine, unexpired session token, or null for anything else. */
export function readSessionToken(keys: TokenKeys, token: string, nowMs: number): Promise<SessionClaims | null> {
  return Promise.resolve(readSessionTokenNow(keys, token, nowMs));
}

/** readSessionToken without the promise: the per-request check awaits only its SQL statement. */
export function readSessionTokenNow(keys: TokenKeys, token: string, nowMs: number): SessionClaims | null {
  if (token.length > 4096) return null;
  const outcome = verifyTokenNow(keys, token, nowMs);
  if (!outcome.ok) return null;
  const { sid, csrf, sub } = outcome.payload;
  // A token without its `csrf` binding would let a cookie alone authorize writes: refuse it.
  if (typeof sid !== 'string' || typeof csrf !== 'string' || typeof sub !== 'string') return null;
  if (sid.length < 16 || csrf.length < 16) return null;
  return { sessionId: sid, userId: sub, csrf };
}
