import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../errors.js';
import { safeEqual } from '../crypto/random.js';
import type { Services } from '../services.js';
import type { AuthUser } from '../account/users.js';
import { clearSessionCookies, cookieNames } from './cookies.js';
import { readSessionTokenNow, type SessionClaims } from './tokens.js';
import { unauthenticatedError } from './end-reason.js';
import { MUST_WAIT } from '../db/database.js';
import { parseAuthMethods, touchSession, TOUCH_INTERVAL_MS, type AuthMethod } from './sessions.js';
import { authRowStatement, type AuthRow } from './auth-row.js';

export interface AuthContext {
  readonly sessionId: string;
  readonly csrf: string;
  readonly user: AuthUser;
  readonly session: { readonly createdAt: number; readonly lastActiveAt: number; readonly expiresAt: number };
  readonly impersonator: { readonly id: string; readonly email: string; readonly name: string; readonly sessionId: string } | null;
  /** How this session was made, e.g. ['password', 'totp']. */
  readonly authMethods: readonly AuthMethod[];
  readonly mfa: MfaState;
}

export interface MfaState {
  /** The user has a confirmed TOTP or a passkey. */
  readonly enabled: boolean;
  /** Their organization requires a second factor and they have none yet. */
  readonly orgRequires: boolean;
  /** ADMIN_REQUIRE_MFA is on, they are a site admin, and they have no second factor yet. */
  readonly adminRequires: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isMutating(method: string): boolean {
  return MUTATING.has(method.toUpperCase());
}

export type SessionCheck =
  | { readonly ok: true; readonly auth: AuthContext }
  | {
      readonly ok: false;
      readonly code: 'unauthenticated' | 'account_inactive' | 'csrf_failed';
      /** The token's claims when it verified (the session itself was refused), for the 401's reason. */
      readonly claims?: SessionClaims;
      readonly now?: number;
    };

function sessionIsLive(row: AuthRow, now: number, idleMs: number): boolean {
  return row.revoked_at === null && row.expires_at > now && row.last_active_at + idleMs > now;
}

/** An impersonation session lives only while its admin is still an enabled admin with a live session. */
function impersonatorIsLive(row: AuthRow, now: number, idleMs: number): boolean {
  if (row.impersonator_id === null) return true;
  return (
    // A target promoted to admin in any way (API, CLI, database) ends the impersonation too.
    row.role !== 'admin' &&
    row.imp_role === 'admin' &&
    row.imp_disabled === 0 &&
    row.imp_session_revoked_at === null &&
    row.imp_session_expires_at !== null &&
    row.imp_session_expires_at > now &&
    row.imp_session_last_active_at !== null &&
    row.imp_session_last_active_at + idleMs > now
  );
}

function toUser(row: AuthRow): AuthUser {
  return {
    id: row.user_id,
    email: row.email,
    name: row.name,
    email_verified: row.email_verified,
    role: row.role,
    disabled: row.disabled,
    created_at: row.user_created_at,
    org_id: row.org_id,
    org_name: row.org_name,
    org_role: row.org_role,
  };
}

export interface CheckInput {
  readonly sessionCookie: string | undefined;
  /** Only for mutating requests: the X-CSRF-Token header and the CSRF cookie. */
  readonly csrf: { readonly header: string | undefined; readonly cookie: string | undefined } | null;
}

/**
 * The per-request check: signature, audience and expiry of the token, the CSRF binding for writes,
 * then one SQL statement for session + user (+ organization, + impersonator). No cache window:
 * a revocation, disable or deletion is seen by the very next request on every instance.
 */
function mfaState(row: AuthRow, adminRequireMfa: boolean): MfaState {
  const enabled = row.has_mfa === 1;
  return {
    enabled,
    // An impersonating admin is not the member signing in: the policy binds the member's own sessions.
    orgRequires: !enabled && row.org_require_mfa === 1 && row.impersonator_id === null,
    adminRequires: !enabled && adminRequireMfa && row.role === 'admin',
  };
}

/**
 * The check, synchronous when it can be: on SQLite outside a transaction, with no `lastActiveAt` to
 * write, the whole check runs without a promise (the hot path). Otherwise it returns a promise of
 * the same result. The checks and their order are the same either way.
 */
export function checkSessionNow(s: Pick<Services, 'config' | 'db' | 'clock' | 'sessionKeys'>, input: CheckInput): SessionCheck | Promise<SessionCheck> {
  if (input.sessionCookie === undefined || input.sessionCookie === '') return { ok: false, code: 'unauthenticated' };
  const now = s.clock.now();
  const claims = readSessionTokenNow(s.sessionKeys, input.sessionCookie, now);
  if (claims === null) return { ok: false, code: 'unauthenticated' };
  if (input.csrf !== null) {
    const { header, cookie } = input.csrf;
    // Signed double submit: header == cookie == the claim signed into this very session token,
    // so a cookie tossed in by a sibling subdomain or another user's CSRF value never matches.
    if (header === undefined || cookie === undefined || !safeEqual(header, cookie) || !safeEqual(header, claims.csrf)) {
      return { ok: false, code: 'csrf_failed' };
    }
  }
  const statement = authRowStatement(s.db);
  const row = statement.now([claims.sessionId]);
  if (row !== MUST_WAIT) return judgeRow(s, row, claims, now);
  return statement.run([claims.sessionId]).then((loaded) => judgeRow(s, loaded, claims, now));
}

export async function checkSession(s: Pick<Services, 'config' | 'db' | 'clock' | 'sessionKeys'>, input: CheckInput): Promise<SessionCheck> {
  return checkSessionNow(s, input);
}

function judgeRow(
  s: Pick<Services, 'config' | 'db' | 'clock'>,
  row: AuthRow | undefined,
  claims: SessionClaims,
  now: number,
): SessionCheck | Promise<SessionCheck> {
  if (row?.user_id !== claims.userId) return { ok: false, code: 'unauthenticated', claims, now };
  if (row.disabled === 1) return { ok: false, code: 'account_inactive' };
  const idleMs = s.config.sessionIdleTtlMs;
  if (!sessionIsLive(row, now, idleMs) || !impersonatorIsLive(row, now, idleMs)) return { ok: false, code: 'unauthenticated', claims, now };
  const touched = now - row.last_active_at >= TOUCH_INTERVAL_MS;
  const result: SessionCheck = {
    ok: true,
    auth: {
      sessionId: row.session_id,
      csrf: claims.csrf,
      user: toUser(row),
      session: { createdAt: row.created_at, lastActiveAt: touched ? now : row.last_active_at, expiresAt: row.expires_at },
      impersonator:
        row.impersonator_id !== null && row.imp_email !== null && row.imp_name !== null && row.impersonator_session_id !== null
          ? { id: row.impersonator_id, email: row.imp_email, name: row.imp_name, sessionId: row.impersonator_session_id }
          : null,
      authMethods: parseAuthMethods(row.auth_methods),
      mfa: mfaState(row, s.config.adminRequireMfa),
    },
  };
  // At most once a minute per session: the write is awaited, so an error still fails the request.
  return touched ? touchSession(s.db.kysely, row.session_id, now).then(() => result) : result;
}

export function readCheckInput(s: Services, request: FastifyRequest, method: string): CheckInput {
  const names = cookieNames(s.config);
  const header = request.headers['x-csrf-token'];
  return {
    sessionCookie: request.cookies[names.session],
    csrf: isMutating(method) ? { header: typeof header === 'string' ? header : undefined, cookie: request.cookies[names.csrf] } : null,
  };
}

export interface GuardOptions {
  /**
   * The routes a member must still reach while their organization requires a second factor they
   * do not have yet: /api/auth/me, /api/mfa*, /api/passkeys*, logout and the sessions routes.
   */
  readonly allowWithoutMfa?: boolean;
}

export type SessionHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * Fastify hook (preHandler or preValidation) for every authenticated route. A callback hook, not an
 * async one: when the check is synchronous, so is the hook (no promise, no microtask).
 */
export function sessionGuard(s: Services, options: GuardOptions = {}): SessionHook {
  const allowWithoutMfa = options.allowWithoutMfa === true;
  function settle(request: FastifyRequest, reply: FastifyReply, result: SessionCheck, done: HookHandlerDoneFunction): void {
    if (result.ok) {
      request.auth = result.auth;
      // The organization's policy: signed in, but nowhere else until a second factor is set up.
      if (!allowWithoutMfa && result.auth.mfa.orgRequires) {
        done(new AppError('mfa_required', 'Your organization requires two-factor authentication. Set it up to continue.'));
        return;
      }
      done();
      return;
    }
    if (result.code !== 'unauthenticated') {
      done(new AppError(result.code));
      return;
    }
    // A dead session's cookies are useless: clear them so the browser stops sending them.
    clearSessionCookies(reply, s.config);
    // The reason comes from the claims this check already verified: the token is not read twice.
    void unauthenticatedError(s, { claims: result.claims ?? null, now: result.now ?? s.clock.now() }).then(done, done);
  }
  return function requireSession(request, reply, done): void {
    const result = checkSessionNow(s, readCheckInput(s, request, request.method));
    if (!(result instanceof Promise)) {
      settle(request, reply, result, done);
      return;
    }
    // As Fastify runs a promise-returning hook: continue from the promise's settlement.
    void result.then((r) => {
      settle(request, reply, r, done);
    }, done);
  };
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (request.auth === null) throw new AppError('unauthenticated');
  return request.auth;
}
