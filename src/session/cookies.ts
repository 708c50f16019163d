import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';

export interface CookieNames {
  readonly session: string;
  readonly csrf: string;
}

/** `__Host-` pins the cookie to this exact origin over https (no Domain, Path=/, Secure). */
export function cookieNames(config: Config): CookieNames {
  return config.https
    ? { session: '__Host-gh_session', csrf: '__Host-gh_csrf' }
    : { session: 'gh_session', csrf: 'gh_csrf' };
}

export function setSessionCookies(reply: FastifyReply, config: Config, token: string, csrf: string, maxAgeMs: number): void {
  const names = cookieNames(config);
  const base = { path: '/', sameSite: 'lax' as const, secure: config.https, maxAge: Math.max(1, Math.floor(maxAgeMs / 1000)) };
  // HttpOnly in every environment: script (and so XSS) never reads the session token.
  reply.setCookie(names.session, token, { ...base, httpOnly: true });
  // JS-readable on purpose: the UI echoes it in X-CSRF-Token (signed double submit).
  reply.setCookie(names.csrf, csrf, { ...base, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  const names = cookieNames(config);
  const base = { path: '/', sameSite: 'lax' as const, secure: config.https, maxAge: 0, expires: new Date(0) };
  reply.setCookie(names.session, '', { ...base, httpOnly: true });
  reply.setCookie(names.csrf, '', { ...base, httpOnly: false });
}
