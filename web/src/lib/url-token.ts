import { useEffect, useState } from 'react';
import { replaceUrlQuietly } from './router';

/**
 * Email links carry a token in their query. The page reads it once and removes it from the address
 * bar so it does not linger in history, bookmarks or screenshots. The verification token is kept in
 * memory only (the page uses it at once). The join and reset tokens are also kept in this tab's
 * sessionStorage: the join page sends the visitor through sign-in or registration, and someone who
 * reloads a half-filled reset form should not have to open the email again. sessionStorage is per
 * tab, dies with the tab, is emptied by sign-out's Clear-Site-Data, and is cleared here once the
 * token is used or found dead.
 */
const pending = new Map<string, string>();

/** Pages whose token survives a reload of the tab (see above). */
const KEPT_ACROSS_RELOAD: ReadonlySet<string> = new Set(['/join', '/reset-password']);

function storageKey(path: string): string {
  return `gatehouse:token:${path}`;
}

function stored(path: string): string | null {
  if (!KEPT_ACROSS_RELOAD.has(path)) return null;
  try {
    return window.sessionStorage.getItem(storageKey(path));
  } catch {
    // Storage disabled by the browser: memory only, as for the other pages.
    return null;
  }
}

function store(path: string, token: string | null): void {
  if (!KEPT_ACROSS_RELOAD.has(path)) return;
  try {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
    if (token === null) window.sessionStorage.removeItem(storageKey(path));
    else window.sessionStorage.setItem(storageKey(path), token);
  } catch {
    // See stored().
  }
}

function readToken(): string | null {
  const path = window.location.pathname;
  const token = new URLSearchParams(window.location.search).get('token');
  if (token !== null && token !== '') {
    pending.set(path, token);
    store(path, token);
  }
  return peekUrlToken(path);
}

function dropTokenFromAddressBar(): void {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('token')) return;
  params.delete('token');
  const rest = params.toString();
  replaceUrlQuietly(window.location.pathname + (rest === '' ? '' : `?${rest}`) + window.location.hash);
}

/** The token of this email-link page, from the URL or from earlier in this tab's life. */
export function useUrlToken(): string | null {
  const [token] = useState(readToken);
  useEffect(dropTokenFromAddressBar, []);
  return token;
}

/** The token an email-link page at `path` holds, read from another page (registering to join). */
export function peekUrlToken(path: string): string | null {
  return pending.get(path) ?? stored(path);
}

export function forgetUrlToken(path: string): void {
  pending.delete(path);
  store(path, null);
}
