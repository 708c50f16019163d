/**
 * Where to go after signing in. Only same-origin relative paths are followed, so a crafted
 * `?next=https://evil.example` or `?next=//evil.example` can never send a user off-site.
 */
const NOT_RETURN_TARGETS: ReadonlySet<string> = new Set(['/sign-in', '/register', '/forgot-password']);

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function safeReturnPath(raw: string | null | undefined, fallback = '/'): string {
  if (raw === null || raw === undefined || raw === '') return fallback;
  // Absolute URLs, protocol-relative "//host", backslash tricks and control characters are refused outright.
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || hasControlCharacter(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, window.location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== window.location.origin) return fallback;
  if (NOT_RETURN_TARGETS.has(url.pathname) || url.pathname.startsWith('/api/')) return fallback;
  return url.pathname + url.search + url.hash;
}

/** `/sign-in?next=…` for the given return path (omitted when it is just the home page). */
export function withNext(page: string, next: string): string {
  const safe = safeReturnPath(next);
  return safe === '/' ? page : `${page}?next=${encodeURIComponent(safe)}`;
}
