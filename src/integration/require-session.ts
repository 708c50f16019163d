import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyCookie as cookiePlugin } from '@fastify/cookie';
import type { Config } from '../config.js';
import { errorBody, ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { Services } from '../services.js';
import { toUserView, type OrgRole } from '../account/users.js';
import { checkSession, isMutating, type AuthContext } from '../session/authenticate.js';
import { cookieNames } from '../session/cookies.js';
import { requirementRefusal } from '../session/requirements.js';

export { requirementRefusal };

export interface RequireSessionOptions {
  /** `admin`: only site admins, and never through an impersonation session. */
  readonly role?: 'user' | 'admin';
  /** The least organization role the user must hold (owner > admin > member). */
  readonly orgRole?: OrgRole;
}

export interface GatehouseSession {
  readonly id: string;
  readonly createdAt: string;
  readonly lastActiveAt: string;
  readonly expiresAt: string;
  /** The admin acting as this user, while impersonating. */
  readonly impersonator: { readonly id: string; readonly email: string; readonly name: string } | null;
}

export type SessionPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** Cookies from @fastify/cookie when the host registered it, else parsed from the header. */
export function requestCookies(request: FastifyRequest): Record<string, string | undefined> {
  const parsed: unknown = request.cookies;
  if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, string | undefined>;
  const header = request.headers.cookie;
  return typeof header === 'string' ? cookiePlugin.parse(header) : {};
}

/** Clearing cookies without depending on the host having registered @fastify/cookie. */
function clearCookieHeaders(config: Config): string[] {
  const names = cookieNames(config);
  const base = { path: '/', sameSite: 'lax' as const, secure: config.https, maxAge: 0, expires: new Date(0) };
  return [
    cookiePlugin.serialize(names.session, '', { ...base, httpOnly: true }),
    cookiePlugin.serialize(names.csrf, '', { ...base, httpOnly: false }),
  ];
}

function deny(reply: FastifyReply, code: ErrorCode): FastifyReply {
  // Sent here, not thrown: the host's error handler is the host's, and must not reword our envelope.
  return reply.code(ERROR_STATUS[code]).header('cache-control', 'no-store').send(errorBody(code));
}

function toSession(auth: AuthContext): GatehouseSession {
  const i = auth.impersonator;
  return {
    id: auth.sessionId,
    createdAt: new Date(auth.session.createdAt).toISOString(),
    lastActiveAt: new Date(auth.session.lastActiveAt).toISOString(),
    expiresAt: new Date(auth.session.expiresAt).toISOString(),
    impersonator: i === null ? null : { id: i.id, email: i.email, name: i.name },
  };
}

/**
 * The per-request check of Gatehouse's own API, for a host's routes: session cookie, CSRF
 * (signed double submit) and Origin on writes, disabled/deleted users, then the role demands.
 */
export function createSessionGuard(s: Services, options: RequireSessionOptions = {}): SessionPreHandler {
  const names = cookieNames(s.config);
  return async function requireSession(request, reply): Promise<FastifyReply | undefined> {
    const writes = isMutating(request.method);
    // Cross-site writes: a browser always sends Origin on them; it must be the service's own.
    const origin = request.headers.origin;
    if (writes && origin !== undefined && origin !== s.config.publicOrigin) return deny(reply, 'csrf_failed');
    const cookies = requestCookies(request);
    const header = request.headers['x-csrf-token'];
    const result = await checkSession(s, {
      sessionCookie: cookies[names.session],
      csrf: writes ? { header: typeof header === 'string' ? header : undefined, cookie: cookies[names.csrf] } : null,
    });
    if (!result.ok) {
      // A dead session's cookies are useless: clear them so the browser stops sending them.
      if (result.code === 'unauthenticated') void reply.header('set-cookie', clearCookieHeaders(s.config));
      return deny(reply, result.code);
    }
    const refused = requirementRefusal(result.auth, options);
    if (refused !== null) return deny(reply, refused);
    request.user = toUserView(result.auth.user);
    request.session = toSession(result.auth);
    return undefined;
  };
}
