import { Type } from 'typebox';
import type { Services } from '../services.js';
import { Email, Password, Token, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { recordEvent } from '../events/security-events.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { requireStrongPassword, requireValidEmail, setPassword } from '../account/auth-service.js';
import { findUserById, updateUser } from '../account/users.js';
import { ping } from '../db/database.js';
import { consumeEmailToken, markEmailVerified, notify, queuePasswordReset, resetRequestLimit, resolveEmailToken, sendVerificationEmail } from './flows.js';
import { passwordChangedNotice } from './templates.js';
import { inspectEmailToken } from './inspect.js';

const Purpose = Type.Union([Type.Literal('verify_email'), Type.Literal('reset_password'), Type.Literal('org_invite')]);

const ACCEPTED = { message: 'If an account exists for this address, we sent an email with a link to reset the password.' };

export function emailRoutes(app: TypedApp, s: Services): void {
  const requireSession = sessionGuard(s);

  app.post(
    '/api/auth/verify-email',
    { schema: { body: Type.Object({ token: Token }, { additionalProperties: false }) } },
    async (request) => {
      const { row, user } = await resolveEmailToken(s, request.body.token, 'verify_email');
      if (!(await consumeEmailToken(s, row.id))) throw new AppError('invalid_token');
      if (!(await markEmailVerified(s, user.id, row.email))) throw new AppError('invalid_token');
      const now = s.clock.now();
      const party = { id: user.id, email: user.email };
      await recordEvent(s.db.kysely, { type: 'email_verified', userId: user.id, actor: party, target: party, meta: metaOf(request), at: now });
      return { message: 'Your email address is confirmed.', emailVerified: true };
    },
  );

  // Read-only, so a page can check its link on load (and reload) without spending it. The token
  // travels in a POST body like on the endpoints that use it: never in a URL, so never in a log.
  app.post(
    '/api/auth/tokens/inspect',
    { schema: { body: Type.Object({ token: Token, purpose: Purpose }, { additionalProperties: false }) } },
    async (request) => inspectEmailToken(s, request.body.token, request.body.purpose),
  );

  app.post('/api/auth/resend-verification', { preHandler: requireSession }, async (request, reply) => {
    const auth = requireAuth(request);
    if (auth.user.email_verified === 0) await sendVerificationEmail(s, auth.user, 'strict');
    return reply.code(202).send({ message: 'If your address still needs confirming, we sent a new link.' });
  });

  app.post(
    '/api/auth/forgot-password',
    { schema: { body: Type.Object({ email: Email }, { additionalProperties: false }) } },
    async (request, reply) => {
      const email = requireValidEmail(request.body.email);
      const meta = metaOf(request);
      // The reset itself is prepared off the request path (same answer and timing for every
      // address), so nothing below would notice a database outage: a 202 would promise an email
      // that can never be prepared. A query that costs the same for every address answers 503
      // instead, like every other route that needs the database, before anything is counted.
      if (!(await ping(s.db))) throw new AppError('unavailable');
      // Counted for every address, known or not, so the 429 reveals nothing about accounts.
      await s.limiter.consume(s.limits.emailRequestIp, meta.ip ?? 'unknown');
      await s.limiter.consume(resetRequestLimit(s), email);
      queuePasswordReset(s, email, meta);
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post(
    '/api/auth/reset-password',
    { schema: { body: Type.Object({ token: Token, password: Password }, { additionalProperties: false }) } },
    async (request) => {
      const { row, user } = await resolveEmailToken(s, request.body.token, 'reset_password');
      const full = await findUserById(s.db.kysely, user.id);
      if (full === undefined) throw new AppError('invalid_token');
      requireStrongPassword(s, request.body.password, full.email, 'password');
      if (!(await consumeEmailToken(s, row.id))) throw new AppError('invalid_token');
      await setPassword(s, full, request.body.password, 'password');
      const now = s.clock.now();
      // Following the link proved the address, if it is still the account's address.
      if (full.email === row.email && full.email_verified === 0) await updateUser(s.db.kysely, full.id, { email_verified: 1 }, now);
      const party = { id: full.id, email: full.email };
      await recordEvent(s.db.kysely, { type: 'password_reset', userId: full.id, actor: party, target: party, meta: metaOf(request), at: now });
      notify(s, passwordChangedNotice(full.email));
      return { message: 'Your password was changed. Sign in with the new password.' };
    },
  );

  app.get('/api/dev/outbox', async () => {
    // Development convenience only: in production the route answers like any unknown route.
    if (s.config.production || s.config.mail.transport !== 'outbox') throw new AppError('not_found');
    const rows = await s.db.kysely.selectFrom('outbox').selectAll().orderBy('seq', 'desc').limit(200).execute();
    return {
      emails: rows.map((r) => ({
        id: r.id,
        to: r.to_address,
        subject: r.subject,
        text: r.text_body,
        html: r.html_body,
        createdAt: new Date(r.created_at).toISOString(),
      })),
    };
  });
}
