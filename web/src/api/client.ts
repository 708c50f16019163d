/**
 * The one fetch wrapper: every call from the UI to the API goes through `api`. It only talks to this
 * origin's /api, sends and reads JSON, echoes the CSRF cookie in X-CSRF-Token on writes (signed double
 * submit), turns the error envelope into ApiError, and reports "signed out" / "disabled" to the app.
 */

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'account_inactive'
  | 'csrf_failed'
  | 'forbidden'
  | 'not_found'
  | 'email_taken'
  | 'conflict'
  | 'token_expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'invalid_code'
  | 'mfa_required'
  | 'unavailable'
  | 'internal_error'
  | 'network_error'
  | 'unknown_error';

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_request', 'invalid_token', 'unauthenticated', 'invalid_credentials', 'account_inactive',
  'csrf_failed', 'forbidden', 'not_found', 'email_taken', 'conflict', 'token_expired', 'payload_too_large',
  'unsupported_media_type', 'rate_limited', 'invalid_code', 'mfa_required', 'unavailable', 'internal_error',
]);

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly fields: Readonly<Record<string, string>>;
  /** Seconds to wait, from Retry-After (rate_limited). */
  readonly retryAfter: number | null;
  /** Why a session ended (`unauthenticated` only), e.g. "session_evicted"; null when the server gave none. */
  readonly reason: string | null;

  constructor(status: number, code: ErrorCode, message: string, fields: Record<string, string> = {}, retryAfter: number | null = null, reason: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.reason = reason;
  }
}

export interface ClientHooks {
  /** A request was refused because the session is gone (revoked, expired, signed out elsewhere). */
  readonly onUnauthenticated: (error: ApiError) => void;
  /** A request was refused because the signed-in account has been disabled. */
  readonly onAccountInactive: () => void;
  /** A request was refused until the account sets up a second factor (organization or admin policy). */
  readonly onMfaRequired: () => void;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** For "am I signed in?" probes: a 401 is an answer, not a reason to go to the sign-in page. */
  readonly signedOutIsExpected?: boolean;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const MUTATING: ReadonlySet<Method> = new Set<Method>(['POST', 'PATCH', 'PUT', 'DELETE']);

interface Installed {
  readonly fetch: typeof fetch;
  readonly hooks: ClientHooks;
}

let installed: Installed | null = null;

/** Called once from main.tsx before the first render. */
export function installApiClient(hooks: ClientHooks): void {
  if (installed !== null) throw new Error('The API client is already installed.');
  // Captured here so nothing patched into window.fetch later can see or alter our requests.
  installed = { fetch: window.fetch.bind(window), hooks };
}

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** `__Host-gh_csrf` over https, `gh_csrf` over plain http (development). */
function csrfToken(): string | null {
  return readCookie('__Host-gh_csrf') ?? readCookie('gh_csrf');
}

/**
 * Whether this browser holds a cookie pair at all. The CSRF cookie is set and cleared together with
 * the (HttpOnly) session cookie, so without it there is no session worth asking the server about.
 */
export function hasSessionCookies(): boolean {
  return csrfToken() !== null;
}

function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

interface Envelope {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly fields?: unknown; readonly reason?: unknown };
}

function toApiError(response: Response, data: unknown): ApiError {
  const error = (data as Envelope | null)?.error;
  const rawCode = typeof error?.code === 'string' ? error.code : '';
  const code: ErrorCode = KNOWN_CODES.has(rawCode) ? (rawCode as ErrorCode) : 'unknown_error';
  const message = typeof error?.message === 'string' ? error.message : `The server answered ${response.status}.`;
  const fields: Record<string, string> = {};
  if (typeof error?.fields === 'object' && error.fields !== null) {
    for (const [key, value] of Object.entries(error.fields)) if (typeof value === 'string') fields[key] = value;
  }
  const reason = typeof error?.reason === 'string' ? error.reason : null;
  return new ApiError(response.status, code, message, fields, parseRetryAfter(response.headers.get('retry-after')), reason);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  if (installed === null) throw new Error('The API client is not installed.');
  const url = new URL(path, window.location.origin);
  if (url.origin !== window.location.origin || !url.pathname.startsWith('/api/')) {
    throw new Error(`Refusing to call ${url.href}: the UI only talks to this origin's /api.`);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (MUTATING.has(method)) {
    const token = csrfToken();
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check on the CSRF cookie this browser holds, not a comparison with a secret
    if (token !== null) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    response = await installed.fetch(url.href, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach Gatehouse. Check your connection and try again.');
  }
  const data = await readJson(response);
  if (response.ok) return data as T;
  const error = toApiError(response, data);
  if (error.code === 'unauthenticated' && options.signedOutIsExpected !== true) installed.hooks.onUnauthenticated(error);
  if (error.code === 'account_inactive') installed.hooks.onAccountInactive();
  if (error.code === 'mfa_required') installed.hooks.onMfaRequired();
  throw error;
}

export const api = {
  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return request<T>('GET', path, options);
  },
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return request<T>('POST', path, { ...options, body });
  },
  patch<T>(path: string, body: unknown): Promise<T> {
    return request<T>('PATCH', path, { body });
  },
  delete<T = void>(path: string, body?: unknown): Promise<T> {
    return request<T>('DELETE', path, { body });
  },
};
