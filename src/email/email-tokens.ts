import { signToken, verifyToken, type TokenKeys } from '../crypto/jwt.js';

export type EmailPurpose = 'verify_email' | 'reset_password' | 'org_invite';

export interface EmailTokenInput {
  readonly purpose: EmailPurpose;
  /** Id of the database row that makes the token revocable and single-use. */
  readonly id: string;
  readonly subject: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export async function issueEmailToken(keys: TokenKeys, t: EmailTokenInput): Promise<string> {
  return signToken(keys, { purpose: t.purpose }, {
    subject: t.subject,
    jti: t.id,
    issuedAtSec: Math.floor(t.issuedAtMs / 1000),
    expiresAtSec: Math.floor(t.expiresAtMs / 1000),
  });
}

export type EmailTokenOutcome =
  | { readonly ok: true; readonly id: string; readonly subject: string; readonly expired: boolean }
  | { readonly ok: false };

/**
 * Genuine tokens of exactly this purpose only. An expired one is still reported (with
 * `expired: true`) so the caller can answer 410 only when nothing else is wrong with it.
 */
export async function readEmailToken(keys: TokenKeys, token: string, purpose: EmailPurpose, nowMs: number): Promise<EmailTokenOutcome> {
  if (token.length > 4096) return { ok: false };
  const outcome = await verifyToken(keys, token, nowMs);
  if (!outcome.ok && outcome.reason === 'invalid') return { ok: false };
  const { payload } = outcome;
  if (payload.purpose !== purpose || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return { ok: false };
  return { ok: true, id: payload.jti, subject: payload.sub, expired: !outcome.ok };
}
