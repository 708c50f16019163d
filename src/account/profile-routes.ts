import { Type } from 'typebox';
import type { Services } from '../services.js';
import { Email, Name, Password, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { clearSessionCookies } from '../session/cookies.js';
import { AuthenticationResponse, ReauthFields } from '../mfa/schemas.js';
import { reauthenticate } from '../mfa/reauth.js';
import { deleteUserAccount, updateProfile } from './profile-service.js';
import { toUserView } from './users.js';

export function profileRoutes(app: TypedApp, s: Services): void {
  const requireSession = sessionGuard(s);

  app.patch(
    '/api/profile',
    {
      preHandler: requireSession,
      schema: {
        body: Type.Object(
          {
            name: Type.Optional(Name),
            email: Type.Optional(Email),
            organizationName: Type.Optional(Name),
            currentPassword: Type.Optional(Password),
            // With a passkey, a fresh assertion may stand in for the current password.
            passkey: Type.Optional(AuthenticationResponse),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { passkey, ...rest } = request.body;
      const user = await updateProfile(s, requireAuth(request), { ...rest, passkey: passkey }, metaOf(request));
      return { user: toUserView(user) };
    },
  );

  app.delete(
    '/api/profile',
    { preHandler: requireSession, schema: { body: Type.Object(ReauthFields, { additionalProperties: false }) } },
    async (request, reply) => {
      const auth = requireAuth(request);
      if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
      const meta = metaOf(request);
      const { password, passkey } = request.body;
      await reauthenticate(s, auth, { password, passkey: passkey }, meta);
      await deleteUserAccount(s, auth.user.id, { id: auth.user.id, email: auth.user.email }, meta, 'self');
      clearSessionCookies(reply, s.config);
      return reply.header('clear-site-data', '"cache", "cookies", "storage"').code(204).send();
    },
  );
}
