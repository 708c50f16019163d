import { returnPathFor } from './return-path-rules';

/**
 * Where to go after signing in. Only same-origin relative paths are followed, so a crafted
 * `?next=https://evil.example`, `?next=//evil.example` or `?next=/.//evil.example` can never send a
 * user off-site (the rules: return-path-rules.ts).
 */
export function safeReturnPath(raw: string | null | undefined, fallback = '/'): string {
  return returnPathFor(raw, window.location.origin, fallback);
}

/** `/sign-in?next=…` for the given return path (omitted when it is just the home page). */
export function withNext(page: string, next: string): string {
  const safe = safeReturnPath(next);
  return safe === '/' ? page : `${page}?next=${encodeURIComponent(safe)}`;
}
