import type { Executor } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { SessionClaims } from './tokens.js';

/**
 * Why a session that really existed is no longer accepted, as `error.reason` of a 401
 * `unauthenticated`. Only ever computed on the failure path, after the per-request check refused
 * the session: the hot path stays one SQL statement.
 */
export type SessionEndReason =
  /** A login beyond MAX_SESSIONS elsewhere revoked this, the least recently active session. */
  | 'session_evicted'
  /** Signed out from another device (devices page, "sign out all other devices"), or by an admin. */
  | 'session_revoked'
  /** Absolute or idle lifetime reached. */
  | 'session_expired'
  /** The password was changed or reset: every other session ends. */
  | 'password_changed'
  /** This session was signed out (a copy of its cookie presented after logout). */
  | 'signed_out'
  /** The administrator's impersonation ended (stopped, expired, or their own session ended). */
  | 'impersonation_ended';

export const SESSION_END_REASONS: readonly SessionEndReason[] = [
  'session_evicted',
  'session_revoked',
  'session_expired',
  'password_changed',
  'signed_out',
  'impersonation_ended',
];

export function endReasonMessage(reason: SessionEndReason, maxSessions: number): string {
  switch (reason) {
    case 'session_evicted':
      return `You were signed out because you signed in on another device (limit of ${maxSessions} sessions).`;
    case 'session_revoked':
      return 'This session was signed out from another device.';
    case 'session_expired':
      return 'Your session expired. Sign in again to continue.';
    case 'password_changed':
      return 'You were signed out because the password of this account was changed.';
    case 'signed_out':
      return 'This session was signed out.';
    case 'impersonation_ended':
      return 'The impersonation has ended.';
  }
}

export interface EndReasonInput {
  /** The refused request's token claims, verified by the check that refused it; null if it did not verify. */
  readonly claims: Pick<SessionClaims, 'sessionId' | 'userId'> | null;
  readonly now: number;
  readonly idleMs: number;
}

/**
 * Classifies an ended session. Null (a plain `unauthenticated`) unless the cookie is a genuine token
 * we signed, for a session row that still exists and belongs to the token's user: a forged, foreign
 * or unknown token learns nothing. The reason tells the token's holder only what the account's
 * owner would see on the devices page; it never names who or where.
 */
export async function sessionEndReason(db: Executor, input: EndReasonInput): Promise<SessionEndReason | null> {
  const claims = input.claims;
  if (claims === null) return null;
  const row = await db
    .selectFrom('sessions')
    .select(['user_id', 'revoked_at', 'revoked_reason', 'expires_at', 'last_active_at', 'impersonator_id'])
    .where('id', '=', claims.sessionId)
    .executeTakeFirst();
  if (row?.user_id !== claims.userId) return null;
  if (row.revoked_at === null) {
    if (row.expires_at <= input.now || row.last_active_at + input.idleMs <= input.now) return 'session_expired';
    // Live itself, refused anyway: an impersonation whose administrator's session or powers are gone.
    return row.impersonator_id === null ? null : 'impersonation_ended';
  }
  // Written with the revocation itself (null only for rows revoked before migration 0006).
  const stored = SESSION_END_REASONS.find((r) => r === row.revoked_reason);
  return stored ?? (row.impersonator_id === null ? 'session_revoked' : 'impersonation_ended');
}

/** The 401 for a refused session: with `reason` when a session we issued has ended (failure path only). */
export async function unauthenticatedError(s: Pick<Services, 'config' | 'db'>, input: Pick<EndReasonInput, 'claims' | 'now'>): Promise<AppError> {
  const reason = await sessionEndReason(s.db.kysely, { ...input, idleMs: s.config.sessionIdleTtlMs });
  if (reason === null) return new AppError('unauthenticated');
  return new AppError('unauthenticated', endReasonMessage(reason, s.config.maxSessions), { reason });
}
