import { Type } from 'typebox';
import type { Services } from '../services.js';
import { Email, IdParam, Token, UserIdParam, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { recordEvent } from '../events/security-events.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { findOrganization, listMembers, toMemberView } from './organizations.js';
import { createInvitation, listPendingInvitations, requireOrgManager, revokeInvitation } from './invitations.js';
import { changeMemberRole, joinOrganization, removeMember } from './membership-service.js';
import { setOrgMfaPolicy } from './mfa-policy.js';

const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);

export function orgRoutes(app: TypedApp, s: Services): void {
  const requireSession = sessionGuard(s);

  app.get('/api/org', { preHandler: requireSession }, async (request) => {
    const auth = requireAuth(request);
    const orgId = auth.user.org_id;
    const org = orgId === null ? undefined : await findOrganization(s.db.kysely, orgId);
    if (org === undefined || auth.user.org_role === null) throw new AppError('not_found');
    const members = await listMembers(s.db.kysely, org.id);
    return {
      organization: { id: org.id, name: org.name, createdAt: new Date(org.created_at).toISOString(), role: auth.user.org_role, requireMfa: org.require_mfa === 1 },
      members: members.map(toMemberView),
    };
  });

  app.patch(
    '/api/org',
    { preHandler: requireSession, schema: { body: Type.Object({ requireMfa: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) } },
    async (request) => {
      const auth = requireAuth(request);
      const { orgId, role } = requireOrgManager(auth);
      const org = await setOrgMfaPolicy(s, auth, orgId, request.body.requireMfa, metaOf(request));
      return { organization: { id: org.id, name: org.name, createdAt: new Date(org.created_at).toISOString(), role, requireMfa: org.require_mfa === 1 } };
    },
  );

  app.post(
    '/api/org/invitations',
    {
      preHandler: requireSession,
      schema: {
        body: Type.Object(
          { email: Email, role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const auth = requireAuth(request);
      const invitation = await createInvitation(s, auth, request.body.email, request.body.role ?? 'member');
      const me = { id: auth.user.id, email: auth.user.email };
      await recordEvent(s.db.kysely, { type: 'invitation_created', userId: auth.user.id, actor: me, target: null, meta: metaOf(request), at: s.clock.now() });
      return reply.code(201).send({ invitation });
    },
  );

  app.get('/api/org/invitations', { preHandler: requireSession }, async (request) => {
    const { orgId } = requireOrgManager(requireAuth(request));
    return { invitations: await listPendingInvitations(s.db.kysely, orgId, s.clock.now()) };
  });

  app.delete('/api/org/invitations/:id', { preHandler: requireSession, schema: { params: IdParam } }, async (request, reply) => {
    const auth = requireAuth(request);
    const { orgId } = requireOrgManager(auth);
    if (!(await revokeInvitation(s.db.kysely, orgId, request.params.id, s.clock.now()))) throw new AppError('not_found');
    const me = { id: auth.user.id, email: auth.user.email };
    await recordEvent(s.db.kysely, { type: 'invitation_revoked', userId: auth.user.id, actor: me, target: null, meta: metaOf(request), at: s.clock.now() });
    return reply.code(204).send();
  });

  app.post(
    '/api/org/join',
    { preHandler: requireSession, schema: { body: Type.Object({ token: Token }, { additionalProperties: false }) } },
    async (request) => {
      const organization = await joinOrganization(s, requireAuth(request), request.body.token, metaOf(request));
      return { organization };
    },
  );

  app.patch(
    '/api/org/members/:userId',
    { preHandler: requireSession, schema: { params: UserIdParam, body: Type.Object({ role: Role }, { additionalProperties: false }) } },
    async (request) => {
      const member = await changeMemberRole(s, requireAuth(request), request.params.userId, request.body.role, metaOf(request));
      return { member };
    },
  );

  app.delete('/api/org/members/:userId', { preHandler: requireSession, schema: { params: UserIdParam } }, async (request, reply) => {
    await removeMember(s, requireAuth(request), request.params.userId, metaOf(request));
    return reply.code(204).send();
  });
}
