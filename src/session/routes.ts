import type { Services } from '../services.js';
import { IdParam, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { listUserEvents, recordEvent } from '../events/security-events.js';
import { requireAuth, sessionGuard } from './authenticate.js';
import { listActiveSessions, parseAuthMethods, revokeUserSession, revokeUserSessions } from './sessions.js';

export function sessionRoutes(app: TypedApp, s: Services): void {
  const requireSession = sessionGuard(s);
  // The devices routes stay reachable while an organization's second-factor policy waits for setup.
  const requireAnySession = sessionGuard(s, { allowWithoutMfa: true });

  app.get('/api/sessions', { preHandler: requireAnySession }, async (request) => {
    const auth = requireAuth(request);
    const rows = await listActiveSessions(s.db.kysely, auth.user.id, s.clock.now(), s.config.sessionIdleTtlMs);
    return {
      sessions: rows.map((r) => ({
        id: r.id,
        current: r.id === auth.sessionId,
        createdAt: new Date(r.created_at).toISOString(),
        lastActiveAt: new Date(r.last_active_at).toISOString(),
        userAgent: r.user_agent,
        ip: r.ip,
        impersonation: r.impersonator_id !== null,
        authMethods: parseAuthMethods(r.auth_methods),
      })),
    };
  });

  app.delete('/api/sessions/:id', { preHandler: requireAnySession, schema: { params: IdParam } }, async (request, reply) => {
    const auth = requireAuth(request);
    // Scoped to the caller: someone else's session id is indistinguishable from an unknown one.
    if (!(await revokeUserSession(s.db.kysely, auth.user.id, request.params.id, s.clock.now()))) throw new AppError('not_found');
    const party = { id: auth.user.id, email: auth.user.email };
    await recordEvent(s.db.kysely, { type: 'session_revoked', userId: auth.user.id, actor: auth.impersonator ?? party, target: party, meta: metaOf(request), at: s.clock.now() });
    return reply.code(204).send();
  });

  app.post('/api/sessions/revoke-others', { preHandler: requireAnySession }, async (request, reply) => {
    const auth = requireAuth(request);
    const now = s.clock.now();
    const revoked = await revokeUserSessions(s.db.kysely, auth.user.id, auth.sessionId, now, 'session_revoked');
    const party = { id: auth.user.id, email: auth.user.email };
    // One event per revoked session.
    for (let i = 0; i < revoked.length; i += 1) {
      await recordEvent(s.db.kysely, { type: 'session_revoked', userId: auth.user.id, actor: auth.impersonator ?? party, target: party, meta: metaOf(request), at: now });
    }
    return reply.code(204).send();
  });

  app.get('/api/security-events', { preHandler: requireSession }, async (request) => {
    const auth = requireAuth(request);
    return { events: await listUserEvents(s.db.kysely, auth.user.id, 100) };
  });
}
