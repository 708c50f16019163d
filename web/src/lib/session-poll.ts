import { useEffect } from 'react';
import { getSession, refreshSession, useSession } from './session';

/** How often a visible, signed-in page re-asks /api/auth/me, so a session ended elsewhere shows without a click. */
export const SESSION_POLL_MS = 60_000;

/**
 * Polls only while signed in: after a 401 (or a disabled account) the state leaves "signed-in", the
 * interval is cleared, and nothing asks again until the next sign-in. A hidden tab does not ask
 * either; it re-checks when it becomes visible again (useRecheckOnReturn).
 */
export function useSignedInPoll(): void {
  const signedIn = useSession().status === 'signed-in';
  useEffect(() => {
    if (!signedIn) return undefined;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible' && getSession().status === 'signed-in') void refreshSession();
    }, SESSION_POLL_MS);
    return () => { window.clearInterval(timer); };
  }, [signedIn]);
}
