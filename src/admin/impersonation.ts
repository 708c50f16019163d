import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import { findUserWithOrg, type UserWithOrg } from '../account/users.js';
import type { AuthContext } from '../session/authenticate.js';
import { resumeSession, startSession } from '../session/issue.js';
import { clearSessionCookies } from '../session/cookies.js';
import { revokeSessionById, STRONG_METHODS } from '../session/sessions.js';
import type { Executor } from '../db/database.js';

/**
 * Starts acting as `targetId`: a new session for the target, marked with the admin and the admin's
 * own session, and capped at IMPERSONATION_TTL. Admins and disabled users are off limits, so an
 * impersonation can never reach admin powers.
 */
export async function startImpersonation(s: Services, reply: FastifyReply, admin: AuthContext, targetId: string, meta: RequestMeta): Promise<UserWithOrg> {
  const target = await findUserWithOrg(s.db.kysely, targetId);
  if (target === undefined) throw new AppError('not_found');
  if (target.id === admin.user.id || target.role === 'admin') throw new AppError('forbidden', 'Admins cannot be impersonated.');
  if (target.disabled === 1) throw new AppError('forbidden', 'Disabled users cannot be impersonated.');
  // Acting as someone else is the most powerful thing an admin does: with ADMIN_REQUIRE_MFA it
  // needs a session that was itself made with a second factor, not merely an admin who has one.
  if (s.config.adminRequireMfa && !admin.authMethods.some((m) => STRONG_METHODS.includes(m))) {
    throw new AppError('mfa_required', 'Sign in with your second factor to impersonate.');
  }
  const now = s.clock.now();
  const ttlMs = Math.max(1000, Math.min(s.config.impersonationTtlMs, admin.session.expiresAt - now));
  const actor = { id: admin.user.id, email: admin.user.email };
  const subject = { id: target.id, email: target.email };
  await startSession(s, reply, {
    user: subject,
    meta,
    replaceSessionId: null,
    impersonation: { adminId: admin.user.id, adminSessionId: admin.sessionId, ttlMs },
    // One row, in the target's log; the admin sees it too as its actor. Written with the session.
    events: [{ type: 'impersonation_started', userId: target.id, actor, target: subject, meta, at: now }],
  });
  return target;
}

/** Ends the impersonation (its session dies) and hands the admin their own session back. */
export async function stopImpersonation(s: Services, reply: FastifyReply, auth: AuthContext, meta: RequestMeta): Promise<UserWithOrg> {
  const imp = auth.impersonator;
  if (imp === null) throw new AppError('conflict', 'You are not impersonating anyone.');
  const now = s.clock.now();
  await revokeSessionById(s.db.kysely, auth.sessionId, now, 'impersonation_ended');
  const adminSession = await s.db.kysely
    .selectFrom('sessions')
    .select(['id', 'user_id', 'expires_at'])
    .where('id', '=', imp.sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const admin = await findUserWithOrg(s.db.kysely, imp.id);
  if (adminSession === undefined || admin === undefined) {
    // Nothing to go back to: the impersonation cookie pair is dead too, so clear it.
    clearSessionCookies(reply, s.config);
    throw new AppError('unauthenticated');
  }
  await resumeSession(s, reply, { id: adminSession.id, userId: adminSession.user_id, expiresAt: adminSession.expires_at });
  const actor = { id: imp.id, email: imp.email };
  const subject = { id: auth.user.id, email: auth.user.email };
  await recordEvent(s.db.kysely, { type: 'impersonation_stopped', userId: auth.user.id, actor, target: subject, meta, at: now });
  return admin;
}

/**
 * Ends every impersonation of `userId` (e.g. on promotion to admin): admins cannot be impersonated,
 * and that must stay true for impersonations already running, not only for new ones.
 */
export async function endImpersonationsOf(db: Executor, userId: string, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: 'impersonation_ended' })
    .where('user_id', '=', userId)
    .where('impersonator_id', 'is not', null)
    .where('revoked_at', 'is', null)
    .execute();
}
