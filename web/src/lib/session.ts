import { useSyncExternalStore } from 'react';
import { ApiError, hasSessionCookies } from '../api/client';
import { fetchMe } from '../api/endpoints';
import type { Me } from '../api/types';
import { setFlash } from './flash';
import { sessionEndedNotice } from './session-end';

/** Who is signed in, as the server last said. Lives in memory only: the session itself is an HttpOnly cookie. */
export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly me: Me }
  | { readonly status: 'disabled' }
  | { readonly status: 'unreachable'; readonly message: string };

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getSession(): SessionState {
  return state;
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, getSession);
}

/** Asks the server who we are; a 401 simply means "signed out". */
export async function refreshSession(): Promise<SessionState> {
  const before = state.status;
  // No cookie pair, no session: answer "signed out" without a request the server can only refuse.
  if (before !== 'signed-in' && !hasSessionCookies()) {
    setState({ status: 'signed-out' });
    return state;
  }
  try {
    setState({ status: 'signed-in', me: await fetchMe() });
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthenticated') {
      if (before === 'signed-in') setFlash(sessionEndedNotice(e));
      setState({ status: 'signed-out' });
    }
    else if (e instanceof ApiError && e.code === 'account_inactive') setState({ status: 'disabled' });
    else setState({ status: 'unreachable', message: e instanceof Error ? e.message : 'Gatehouse is unreachable.' });
  }
  return state;
}

export function markSignedOut(): void {
  if (state.status !== 'signed-out') setState({ status: 'signed-out' });
}

export function markDisabled(): void {
  setState({ status: 'disabled' });
}
