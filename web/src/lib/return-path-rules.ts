/**
 * Which `?next=` values may be followed after signing in, as a pure function of the page's origin
 * (no DOM), so the rules can be tested with a table of open-redirect payloads outside a browser.
 */
const NOT_RETURN_TARGETS: ReadonlySet<string> = new Set(['/sign-in', '/register', '/forgot-password']);

/** A different origin used only to re-parse a result: a path stays on it, anything else leaves it. */
const PROBE_ORIGIN = 'https://return-path.invalid';

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Looks like a path on this origin: one leading slash, no backslash (browsers read `\` as `/`). */
function isLocalPathShape(text: string): boolean {
  return text.startsWith('/') && !text.startsWith('//') && !text.includes('\\') && !hasControlCharacter(text);
}

/**
 * The same-origin path (with query and hash) that `raw` leads to, or `fallback`. `raw` is checked
 * before parsing, and the parsed result is checked again: dot segments are removed by the URL
 * parser, so `/.//evil.com`, `/..//evil.com` and `/x/%2e%2e//evil.com` all normalise to the
 * protocol-relative `//evil.com`, which a later navigation would resolve to another site.
 */
export function returnPathFor(raw: string | null | undefined, origin: string, fallback = '/'): string {
  if (raw === null || raw === undefined || raw === '') return fallback;
  // Absolute URLs, protocol-relative "//host", backslash tricks and control characters are refused outright.
  if (!isLocalPathShape(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  const target = url.pathname + url.search + url.hash;
  // Re-checked after normalising: the result must still be a plain path and must stay on any origin.
  if (!isLocalPathShape(target) || new URL(target, PROBE_ORIGIN).origin !== PROBE_ORIGIN) return fallback;
  if (NOT_RETURN_TARGETS.has(url.pathname) || url.pathname.startsWith('/api/')) return fallback;
  return target;
}
