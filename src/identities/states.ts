import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { Config } from '../config.js';
import type { Executor } from '../db/database.js';
import type { OauthState } from '../db/schema.js';
import { randomToken } from '../crypto/random.js';

/** An authorization request must come back within 10 minutes (the contract). */
export const STATE_TTL_MS = 10 * 60_000;

export function stateCookieName(config: Config): string {
  return config.https ? '__Host-gh_oauth' : 'gh_oauth';
}

/**
 * HttpOnly, and SameSite=Lax rather than Strict: the callback is a top-level GET navigation coming
 * from the provider's site, which a Strict cookie would not accompany. The cookie only names a
 * database row, so it is worthless without that row (which is deleted on first use).
 */
export function setStateCookie(reply: FastifyReply, config: Config, id: string): void {
  reply.setCookie(stateCookieName(config), id, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.https, maxAge: STATE_TTL_MS / 1000 });
}

export function clearStateCookie(reply: FastifyReply, config: Config): void {
  reply.setCookie(stateCookieName(config), '', { path: '/', httpOnly: true, sameSite: 'lax', secure: config.https, maxAge: 0, expires: new Date(0) });
}

export function readStateCookie(request: FastifyRequest, config: Config): string | undefined {
  const v = request.cookies[stateCookieName(config)];
  return v === undefined || v === '' || v.length > 200 ? undefined : v;
}

/**
 * `next` must stay on this site: a path, never a scheme, a host, `//host`, a backslash (which
 * browsers read as a slash) or a path that normalizes to `//host` (`/.//evil.com`). Anything else
 * falls back to the home page rather than failing the sign-in.
 */
export function safeNext(raw: string | undefined, publicOrigin: string): string {
  if (raw === undefined || raw === '' || raw.length > 1000) return '/';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  // An encoded slash or backslash is refused too: a page that decodes `next` again must not see `//host`.
  if (/%(2f|5c)/i.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, publicOrigin);
  } catch {
    return '/';
  }
  if (url.origin !== publicOrigin || url.pathname.startsWith('//') || url.pathname.startsWith('/api/')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

export interface NewState {
  readonly provider: string;
  readonly next: string;
  readonly mode: 'signin' | 'link';
  readonly userId: string | null;
  readonly sessionId: string | null;
}

/** A fresh state, nonce and PKCE verifier, kept server-side; the returned row id goes in the cookie. */
export async function createState(db: Executor, input: NewState, now: number): Promise<OauthState> {
  await db.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
  const row: OauthState = {
    id: randomToken(24),
    provider: input.provider,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    code_verifier: oidc.randomPKCECodeVerifier(),
    next: input.next,
    mode: input.mode,
    user_id: input.userId,
    session_id: input.sessionId,
    created_at: now,
    expires_at: now + STATE_TTL_MS,
  };
  await db.insertInto('oauth_states').values(row).execute();
  return row;
}

/**
 * Takes the state named by the cookie, once: of two requests racing with the same cookie only the
 * one whose DELETE removed the row proceeds. Expired rows are never returned.
 */
export async function consumeState(db: Executor, id: string | undefined, now: number): Promise<OauthState | null> {
  if (id === undefined) return null;
  const row = await db.selectFrom('oauth_states').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) return null;
  const deleted = await db.deleteFrom('oauth_states').where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1 || row.expires_at <= now) return null;
  return row;
}
