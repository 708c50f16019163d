import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** The two short-lived ceremony cookies: a pending second-factor login and a passwordless challenge. */
export type CeremonyCookie = 'mfa' | 'webauthn';

export function ceremonyCookieName(config: Config, which: CeremonyCookie): string {
  return config.https ? `__Host-gh_${which}` : `gh_${which}`;
}

export function readCeremonyCookie(request: FastifyRequest, config: Config, which: CeremonyCookie): string | undefined {
  const value = request.cookies[ceremonyCookieName(config, which)];
  return value === undefined || value === '' ? undefined : value;
}

export function setCeremonyCookie(reply: FastifyReply, config: Config, which: CeremonyCookie, value: string, maxAgeMs: number): void {
  // HttpOnly (script never reads it) and SameSite=Strict: only our own pages' requests carry it.
  reply.setCookie(ceremonyCookieName(config, which), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: config.https,
    maxAge: Math.max(1, Math.floor(maxAgeMs / 1000)),
  });
}

export function clearCeremonyCookie(reply: FastifyReply, config: Config, which: CeremonyCookie): void {
  reply.setCookie(ceremonyCookieName(config, which), '', { path: '/', httpOnly: true, sameSite: 'strict', secure: config.https, maxAge: 0, expires: new Date(0) });
}
