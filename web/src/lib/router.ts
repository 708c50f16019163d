import { useSyncExternalStore } from 'react';

/** A small history-API router: the app has a dozen flat routes and needs no more. */

const NAVIGATED = 'gatehouse:navigated';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATED, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATED, listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export interface Location {
  readonly path: string;
  readonly params: URLSearchParams;
}

export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, window.location.origin);
  return { path: url.pathname, params: url.searchParams };
}

export interface NavigateOptions {
  readonly replace?: boolean;
}

/** Client-side navigation to a same-origin path. */
export function navigate(to: string, options: NavigateOptions = {}): void {
  const url = new URL(to, window.location.origin);
  if (url.origin !== window.location.origin) throw new Error('navigate() only follows same-origin paths.');
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace === true) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** Rewrites the address bar without a navigation (used to drop a token from the URL). */
export function replaceUrlQuietly(target: string): void {
  window.history.replaceState(window.history.state, '', target);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function currentPath(): string {
  return window.location.pathname + window.location.search;
}
