import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../services.js';
import { Id, IdParam, PlainText, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { recordEvent, searchEvents } from '../events/security-events.js';
import { requireAuth, sessionGuard, type AuthContext, type SessionHook } from '../session/authenticate.js';
import { revokeUserSessions } from '../session/sessions.js';
import { findUserWithOrg, toUserView, updateUser } from '../account/users.js';
import { deleteUserAccount } from '../account/profile-service.js';
import { ADMIN_PAGE_SIZE, searchUsers } from './users-query.js';
import { endImpersonationsOf, startImpersonation, stopImpersonation } from './impersonation.js';
import { resetUserFactors } from './mfa-reset.js';

/** `page` from 1; empty means the first page, like an empty `q` means no filter. */
const Page = Type.String({ pattern: '^([1-9][0-9]{0,6})?$' });

function pageOf(raw: string | undefined): number {
  return raw === undefined || raw === '' ? 1 : Number(raw);
}

const EVENTS_PAGE_SIZE = 20;

/** The site role is read from the database row on every request, so a demotion is immediate. */
export function requireAdmin(request: FastifyRequest): AuthContext {
  const auth = requireAuth(request);
  // While impersonating, the session is the target's: no admin power may leak through it.
  if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
  if (auth.user.role !== 'admin') throw new AppError('forbidden');
  // ADMIN_REQUIRE_MFA: a stolen admin password alone must not reach admin powers.
  if (auth.mfa.adminRequires) throw new AppError('mfa_required', 'Admins must use two-factor authentication. Set it up to continue.');
  return auth;
}

/**
 * The preValidation hooks of every admin route: a live session, then the admin checks. As
 * preValidation, who may call is settled before the input is looked at, so strangers and plain
 * users learn nothing about these routes' schemas from 400s.
 */
export function adminOnlyHooks(s: Services): [SessionHook, SessionHook] {
  return [
    sessionGuard(s),
    function adminCheck(request, _reply, done): void {
      try {
        requireAdmin(request);
      } catch (e) {
        done(e as Error);
        return;
      }
      done();
    },
  ];
}

export function adminRoutes(app: TypedApp, s: Services): void {
  const adminOnly = adminOnlyHooks(s);
  const requireSession = adminOnly[0];

  app.get(
    '/api/admin/users',
    { preValidation: adminOnly, schema: { querystring: Type.Object({ q: Type.Optional(PlainText(200)), page: Type.Optional(Page) }, { additionalProperties: false }) } },
    async (request) => {
      const page = pageOf(request.query.page);
      const { users, total } = await searchUsers(s.db.kysely, request.query.q ?? '', page);
      return { users, page, pageSize: ADMIN_PAGE_SIZE, total };
    },
  );

  app.patch(
    '/api/admin/users/:id',
    {
      preValidation: adminOnly,
      schema: {
        params: IdParam,
        body: Type.Object({ disabled: Type.Optional(Type.Boolean()), role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const auth = requireAdmin(request);
      const { disabled, role } = request.body;
      const target = await findUserWithOrg(s.db.kysely, request.params.id);
      if (target === undefined) throw new AppError('not_found');
      // An admin can never lock themselves out; so the last admin can never be removed either.
      if (target.id === auth.user.id && (disabled === true || role === 'user')) {
        throw new AppError('conflict', 'You cannot disable or demote yourself.');
      }
      const now = s.clock.now();
      const meta = metaOf(request);
      const actor = { id: auth.user.id, email: auth.user.email };
      const subject = { id: target.id, email: target.email };
      await s.db.kysely.transaction().execute(async (trx) => {
        if (disabled !== undefined && (disabled ? 1 : 0) !== target.disabled) {
          await updateUser(trx, target.id, { disabled: disabled ? 1 : 0 }, now);
          if (disabled) await revokeUserSessions(trx, target.id, null, now, 'session_revoked');
          await recordEvent(trx, { type: disabled ? 'user_disabled' : 'user_enabled', userId: target.id, actor, target: subject, meta, at: now });
        }
        if (role !== undefined && role !== target.role) {
          await updateUser(trx, target.id, { role }, now);
          if (role === 'admin') await endImpersonationsOf(trx, target.id, now);
          await recordEvent(trx, { type: 'role_changed', userId: target.id, actor, target: subject, meta, at: now });
        }
      });
      const updated = await findUserWithOrg(s.db.kysely, target.id);
      if (updated === undefined) throw new AppError('not_found');
      return { user: toUserView(updated) };
    },
  );

  app.delete('/api/admin/users/:id', { preValidation: adminOnly, schema: { params: IdParam } }, async (request, reply) => {
    const auth = requireAdmin(request);
    if (request.params.id === auth.user.id) throw new AppError('conflict', 'You cannot delete yourself here.');
    await deleteUserAccount(s, request.params.id, { id: auth.user.id, email: auth.user.email }, metaOf(request), 'admin');
    return reply.code(204).send();
  });

  app.delete('/api/admin/users/:id/mfa', { preValidation: adminOnly, schema: { params: IdParam } }, async (request, reply) => {
    await resetUserFactors(s, requireAdmin(request), request.params.id, metaOf(request));
    return reply.code(204).send();
  });

  app.post(
    '/api/admin/impersonate',
    { preValidation: adminOnly, schema: { body: Type.Object({ userId: Id }, { additionalProperties: false }) } },
    async (request, reply) => {
      const target = await startImpersonation(s, reply, requireAdmin(request), request.body.userId, metaOf(request));
      return { user: toUserView(target) };
    },
  );

  app.post('/api/admin/impersonate/stop', { preHandler: requireSession }, async (request, reply) => {
    const admin = await stopImpersonation(s, reply, requireAuth(request), metaOf(request));
    return { user: toUserView(admin) };
  });

  app.get(
    '/api/admin/security-events',
    {
      preValidation: adminOnly,
      schema: {
        querystring: Type.Object(
          { userId: Type.Optional(PlainText(64)), type: Type.Optional(PlainText(64)), page: Type.Optional(Page) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const page = pageOf(request.query.page);
      const q = request.query;
      const { events, total } = await searchEvents(s.db.kysely, {
        userId: q.userId === undefined || q.userId === '' ? undefined : q.userId,
        type: q.type === undefined || q.type === '' ? undefined : q.type,
        page,
        pageSize: EVENTS_PAGE_SIZE,
      });
      return { events, page, pageSize: EVENTS_PAGE_SIZE, total };
    },
  );
}
