import { useEffect, useState } from 'react';
import { replaceUrlQuietly } from './router';

/**
 * Email links carry a token in their query. The page reads it once, keeps it in memory only (never in
 * storage), and removes it from the address bar so it does not linger in history, bookmarks or screenshots.
 * In-memory also survives the in-app detour through sign-in / register on the join page.
 */
const pending = new Map<string, string>();

function readToken(): string | null {
  const path = window.location.pathname;
  const token = new URLSearchParams(window.location.search).get('token');
  if (token !== null && token !== '') pending.set(path, token);
  return pending.get(path) ?? null;
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

export function forgetUrlToken(path: string): void {
  pending.delete(path);
}
