import type { ApiError } from '../api/client';
import type { Flash } from './flash';

/**
 * What the sign-in page says after the server ended this browser's session, from the 401's
 * `error.reason`. The eviction text comes from the server, which knows MAX_SESSIONS.
 */
const NOTICES: Readonly<Record<string, string | null>> = {
  session_evicted: null,
  session_revoked: 'This session was signed out from another device.',
  session_expired: 'Your session expired. Sign in again to continue.',
  password_changed: 'You were signed out because the password of this account was changed.',
  signed_out: 'You were signed out.',
  impersonation_ended: 'The impersonation has ended. Sign in again to continue.',
};

const FALLBACK = 'Your session has ended. Sign in again to continue.';

export function sessionEndedNotice(error: ApiError): Flash {
  const reason = error.reason;
  if (reason === null || !(reason in NOTICES)) return { kind: 'info', text: FALLBACK };
  return { kind: 'info', text: NOTICES[reason] ?? error.message };
}
