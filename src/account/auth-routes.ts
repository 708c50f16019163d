import { Type, type TSchema, type TUnion, type TNull } from 'typebox';
import type { Services } from '../services.js';
import { Email, Name, Password, Token, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { recordEvent } from '../events/security-events.js';
import { AppError } from '../errors.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { clearSessionCookies } from '../session/cookies.js';
import { presentedSessionId, startSession } from '../session/issue.js';
import { revokeSessionById } from '../session/sessions.js';
import { sendVerificationEmail } from '../email/flows.js';
import { notify } from '../email/flows.js';
import { passwordChangedNotice } from '../email/templates.js';
import { confirmPassword, registerUser, setPassword, verifyCredentials } from './auth-service.js';
import { findUserWithOrg, toUserView } from './users.js';
import { rememberSignInAddress } from './login-ceiling.js';
import { beginSecondFactor } from '../mfa/begin.js';
import { resolveInvitation } from '../org/invitations.js';
import { isoTime } from '../http/iso-time.js';

function Nullable<T extends TSchema>(schema: T): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()]);
}

/** The contract's `user` object; as a response schema it is also the serializer (and a field allow-list). */
const UserViewSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  emailVerified: Type.Boolean(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
  organization: Nullable(
    Type.Object({ id: Type.String(), name: Type.String(), role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]) }),
  ),
});

const MeResponse = Type.Object({
  user: UserViewSchema,
  session: Type.Object({ id: Type.String(), createdAt: Type.String(), lastActiveAt: Type.String(), expiresAt: Type.String(), authMethods: Type.Array(Type.String()) }),
  impersonator: Nullable(Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() })),
  /** `setupRequired`: a policy demands a second factor the user does not have yet (the UI sends them to set one up). */
  mfa: Type.Object({
    enabled: Type.Boolean(),
    setupRequired: Type.Boolean(),
    /** Which policy demands it: the organization's, or ADMIN_REQUIRE_MFA for a site admin. */
    requiredBy: Nullable(Type.Union([Type.Literal('organization'), Type.Literal('admin')])),
  }),
});

export function authRoutes(app: TypedApp, s: Services): void {
  const requireSession = sessionGuard(s);
  // /me and logout stay reachable while an organization's second-factor policy waits for setup.
  const requireAnySession = sessionGuard(s, { allowWithoutMfa: true });

  app.post(
    '/api/auth/register',
    {
      schema: {
        body: Type.Object(
          // inviteToken: registering from a join link joins that organization instead of creating one.
          { email: Email, password: Password, name: Name, organizationName: Type.Optional(Name), inviteToken: Type.Optional(Token) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const meta = metaOf(request);
      const { inviteToken, ...fields } = request.body;
      // The join endpoint's own check: a link that could not be used to join refuses the registration.
      const invitation = inviteToken === undefined ? undefined : await resolveInvitation(s, inviteToken);
      const user = await registerUser(s, fields, meta, { invitation });
      await startSession(s, reply, { user, meta, replaceSessionId: await presentedSessionId(s, request) });
      await rememberSignInAddress(s, user.email, meta.ip);
      await sendVerificationEmail(s, user);
      return reply.code(201).send({ user: toUserView(user) });
    },
  );

  app.post(
    '/api/auth/login',
    { schema: { body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }) } },
    async (request, reply) => {
      const meta = metaOf(request);
      const { user, factors } = await verifyCredentials(s, request.body.email, request.body.password, meta);
      const pending = await beginSecondFactor(s, reply, user.id, { known: factors });
      if (pending !== null) return pending;
      const party = { id: user.id, email: user.email };
      const events = [{ type: 'login_succeeded', userId: user.id, actor: party, target: party, meta, at: s.clock.now() } as const];
      await startSession(s, reply, { user: party, meta, replaceSessionId: await presentedSessionId(s, request), events });
      return { user: toUserView(user) };
    },
  );

  app.post('/api/auth/logout', { preHandler: requireAnySession }, async (request, reply) => {
    const auth = requireAuth(request);
    await revokeSessionById(s.db.kysely, auth.sessionId, s.clock.now(), 'signed_out');
    // Signing out while impersonating signs the admin out too: their own session has no cookie any more.
    if (auth.impersonator !== null) await revokeSessionById(s.db.kysely, auth.impersonator.sessionId, s.clock.now(), 'signed_out');
    const party = { id: auth.user.id, email: auth.user.email };
    await recordEvent(s.db.kysely, {
      type: 'logout',
      userId: auth.user.id,
      actor: auth.impersonator ?? party,
      target: party,
      meta: metaOf(request),
      at: s.clock.now(),
    });
    clearSessionCookies(reply, s.config);
    return reply.header('clear-site-data', '"cache", "cookies", "storage"').code(204).send();
  });

  app.get('/api/auth/me', { preHandler: requireAnySession, schema: { response: { 200: MeResponse } } }, (request) => {
    const auth = requireAuth(request);
    return {
      user: toUserView(auth.user),
      session: {
        id: auth.sessionId,
        createdAt: isoTime(auth.session.createdAt),
        lastActiveAt: isoTime(auth.session.lastActiveAt),
        expiresAt: isoTime(auth.session.expiresAt),
        authMethods: [...auth.authMethods],
      },
      impersonator: auth.impersonator === null ? null : { id: auth.impersonator.id, email: auth.impersonator.email, name: auth.impersonator.name },
      mfa: {
        enabled: auth.mfa.enabled,
        setupRequired: auth.mfa.orgRequires || auth.mfa.adminRequires,
        requiredBy: auth.mfa.orgRequires ? ('organization' as const) : auth.mfa.adminRequires ? ('admin' as const) : null,
      },
    };
  });

  app.post(
    '/api/auth/change-password',
    {
      preHandler: requireSession,
      schema: { body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const auth = requireAuth(request);
      // An impersonating admin acts as the user but must never take over their credentials.
      if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
      const meta = metaOf(request);
      const user = await confirmPassword(s, auth.user.id, request.body.currentPassword, meta);
      await setPassword(s, user, request.body.newPassword, 'newPassword');
      const party = { id: user.id, email: user.email };
      const events = [{ type: 'password_changed', userId: user.id, actor: party, target: party, meta, at: s.clock.now() } as const];
      await startSession(s, reply, { user: party, meta, replaceSessionId: null, events });
      notify(s, passwordChangedNotice(user.email));
      const full = await findUserWithOrg(s.db.kysely, user.id);
      if (full === undefined) throw new AppError('unauthenticated');
      return { user: toUserView(full) };
    },
  );
}
