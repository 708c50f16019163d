import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import type { Executor } from '../db/database.js';
import { recordEvents, type EventInput, type RequestMeta } from '../events/security-events.js';
import { randomToken } from '../crypto/random.js';
import { cookieNames, setSessionCookies } from './cookies.js';
import { createSession, type AuthMethod, type CreatedSession, type NewSessionInput } from './sessions.js';
import { issueSessionToken, readSessionToken } from './tokens.js';

/** The id of a genuine session token presented with this request (signature only; no DB). */
export async function presentedSessionId(s: Services, request: FastifyRequest): Promise<string | null> {
  const cookie = request.cookies[cookieNames(s.config).session];
  if (cookie === undefined || cookie === '') return null;
  const claims = await readSessionToken(s.sessionKeys, cookie, s.clock.now());
  return claims?.sessionId ?? null;
}

export interface StartSessionInput {
  readonly user: { readonly id: string; readonly email: string };
  readonly meta: RequestMeta;
  readonly replaceSessionId: string | null;
  readonly impersonation?: NewSessionInput['impersonation'];
  /** How the user proved who they are (default: the password). */
  readonly authMethods?: readonly AuthMethod[];
  /** Security events of the action that starts this session, written in the same transaction. */
  readonly events?: readonly EventInput[];
  /** More work committed with the session (e.g. ending a pending login); throwing rolls the session back. */
  readonly within?: (trx: Executor) => Promise<void>;
}

/**
 * Creates a fresh session row (never reusing an id: no fixation), signs its token with a new CSRF
 * value and sets the cookie pair. Evictions beyond MAX_SESSIONS become security events.
 */
export async function startSession(s: Services, reply: FastifyReply, input: StartSessionInput): Promise<CreatedSession> {
  const now = s.clock.now();
  const created = await createSession(
    s.db,
    { ttlMs: s.config.sessionTtlMs, idleMs: s.config.sessionIdleTtlMs, maxSessions: s.config.maxSessions },
    {
      userId: input.user.id,
      now,
      ip: input.meta.ip,
      userAgent: input.meta.userAgent,
      replaceSessionId: input.replaceSessionId,
      ...(input.impersonation === undefined ? {} : { impersonation: input.impersonation }),
      ...(input.authMethods === undefined ? {} : { authMethods: input.authMethods }),
    },
    // One event per evicted session, then the action's own: one INSERT, committed with the session.
    async (trx, { evicted }) => {
      await input.within?.(trx);
      await recordEvents(trx, [
        ...evicted.map((): EventInput => ({ type: 'session_evicted', userId: input.user.id, actor: null, target: input.user, meta: input.meta, at: now })),
        ...(input.events ?? []),
      ]);
    },
  );
  const csrf = randomToken(24);
  const token = await issueSessionToken(
    s.sessionKeys,
    { sessionId: created.session.id, userId: input.user.id, csrf },
    now,
    created.session.expires_at,
  );
  setSessionCookies(reply, s.config, token, csrf, created.session.expires_at - now);
  return created;
}

/** A fresh cookie pair (new CSRF value) for an existing live session row, e.g. after impersonation. */
export async function resumeSession(
  s: Services,
  reply: FastifyReply,
  session: { readonly id: string; readonly userId: string; readonly expiresAt: number },
): Promise<void> {
  const now = s.clock.now();
  const csrf = randomToken(24);
  const token = await issueSessionToken(s.sessionKeys, { sessionId: session.id, userId: session.userId, csrf }, now, session.expiresAt);
  setSessionCookies(reply, s.config, token, csrf, session.expiresAt - now);
}
