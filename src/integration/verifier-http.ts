import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { OrgRole } from '../account/users.js';
import type { RequireSessionOptions } from './require-session.js';
import type { VerifiedUser, VerifyInput, VerifyResult } from './verifier.js';

export function refusal(code: ErrorCode): VerifyResult {
  return { ok: false, status: ERROR_STATUS[code], code };
}

const ORG_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'member']);

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** X-Gatehouse-Email is percent-encoded UTF-8 (header values are ASCII). */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function userFromHeaders(headers: Headers): VerifiedUser | null {
  const id = headers.get('x-gatehouse-user-id');
  const email = headers.get('x-gatehouse-email');
  const role = headers.get('x-gatehouse-role');
  if (id === null || id === '' || email === null || (role !== 'user' && role !== 'admin')) return null;
  const orgId = headers.get('x-gatehouse-org-id') ?? '';
  const orgRole = headers.get('x-gatehouse-org-role') ?? '';
  return {
    id,
    email: decodeHeader(email),
    role,
    orgId: orgId === '' ? null : orgId,
    orgRole: ORG_ROLES.has(orgRole) ? (orgRole as OrgRole) : null,
  };
}

async function errorCodeOf(response: Response): Promise<ErrorCode | null> {
  try {
    const body: unknown = await response.json();
    const error: unknown = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    const code: unknown = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    return isErrorCode(code) ? code : null;
  } catch {
    return null;
  }
}

/** Mode B: the request's credentials, forwarded to `GET /api/auth/verify` like a reverse proxy would. */
export async function verifyOverHttp(base: string, timeoutMs: number, input: VerifyInput, require: RequireSessionOptions): Promise<VerifyResult> {
  const url = new URL(`${base}/api/auth/verify`);
  if (require.role !== undefined) url.searchParams.set('role', require.role);
  if (require.orgRole !== undefined) url.searchParams.set('orgRole', require.orgRole);
  const headers: Record<string, string> = { accept: 'application/json', 'x-forwarded-method': input.method.toUpperCase() };
  if (input.cookie !== undefined) headers.cookie = input.cookie;
  if (input.csrfHeader !== undefined) headers['x-csrf-token'] = input.csrfHeader;
  if (input.origin !== undefined) headers.origin = input.origin;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return refusal('unavailable');
  }
  if (response.status === 204) {
    const user = userFromHeaders(response.headers);
    if (user === null) return refusal('unavailable');
    const impersonator = response.headers.get('x-gatehouse-impersonator-id');
    return { ok: true, user, impersonatorId: impersonator === null || impersonator === '' ? null : impersonator };
  }
  const code = await errorCodeOf(response);
  // Only the contract's refusals are passed on; anything else (a proxy page, a 5xx) means "cannot tell".
  if (code !== null && response.status >= 400 && response.status < 500 && ERROR_STATUS[code] === response.status) return refusal(code);
  return refusal('unavailable');
}
