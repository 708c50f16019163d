import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { Type } from 'typebox';
import type { Services } from '../services.js';
import { IdParam, Password, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { listPasskeys, findUserPasskey, renamePasskey, toPasskeyView } from './passkeys.js';
import { authenticationOptions } from './webauthn.js';
import { PasskeyName, ReauthFields, RegistrationResponse, TotpCode, TotpOrRecoveryCode } from './schemas.js';
import {
  addPasskey,
  confirmTotpSetup,
  disableTotp,
  mfaOverview,
  passkeyCreationOptions,
  regenerateRecoveryCodes,
  removePasskey,
  startTotpSetup,
} from './service.js';

export function mfaRoutes(app: TypedApp, s: Services): void {
  // Reachable while an organization's policy still waits for the member's first factor.
  const requireSession = sessionGuard(s, { allowWithoutMfa: true });

  app.get('/api/mfa', { preHandler: requireSession }, async (request) => mfaOverview(s, requireAuth(request).user.id));

  app.post(
    '/api/mfa/totp/setup',
    { preHandler: requireSession, schema: { body: Type.Object({ password: Password }, { additionalProperties: false }) } },
    async (request) => startTotpSetup(s, requireAuth(request), request.body.password, metaOf(request)),
  );

  app.post(
    '/api/mfa/totp/confirm',
    { preHandler: requireSession, schema: { body: Type.Object({ code: TotpCode }, { additionalProperties: false }) } },
    async (request) => ({ recoveryCodes: await confirmTotpSetup(s, requireAuth(request), request.body.code, metaOf(request)) }),
  );

  app.delete(
    '/api/mfa/totp',
    { preHandler: requireSession, schema: { body: Type.Object({ ...ReauthFields, code: Type.Optional(TotpOrRecoveryCode) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const { password, passkey, code } = request.body;
      await disableTotp(s, requireAuth(request), { password, passkey }, code, metaOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/mfa/recovery-codes',
    { preHandler: requireSession, schema: { body: Type.Object(ReauthFields, { additionalProperties: false }) } },
    async (request) => {
      const { password, passkey } = request.body;
      return { recoveryCodes: await regenerateRecoveryCodes(s, requireAuth(request), { password, passkey }, metaOf(request)) };
    },
  );

  app.post(
    '/api/passkeys/options',
    { preHandler: requireSession, schema: { body: Type.Object({ password: Password }, { additionalProperties: false }) } },
    async (request) => passkeyCreationOptions(s, requireAuth(request), request.body.password, metaOf(request)),
  );

  app.post(
    '/api/passkeys',
    { preHandler: requireSession, schema: { body: Type.Object({ response: RegistrationResponse, name: Type.Optional(PasskeyName) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const response = request.body.response as RegistrationResponseJSON;
      const passkey = await addPasskey(s, requireAuth(request), response, request.body.name, metaOf(request));
      return reply.code(201).send({ passkey });
    },
  );

  app.post('/api/passkeys/reauth/options', { preHandler: requireSession }, async (request) => {
    const auth = requireAuth(request);
    const passkeys = await listPasskeys(s.db.kysely, auth.user.id);
    if (passkeys.length === 0) throw new AppError('conflict', 'You have no passkey.');
    return authenticationOptions(s.db.kysely, s.config, passkeys, { purpose: 'reauth', boundTo: auth.sessionId, userId: auth.user.id }, s.clock.now());
  });

  app.patch(
    '/api/passkeys/:id',
    { preHandler: requireSession, schema: { params: IdParam, body: Type.Object({ name: PasskeyName }, { additionalProperties: false }) } },
    async (request) => {
      const auth = requireAuth(request);
      if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
      const name = request.body.name.trim();
      if (name === '' || /\p{Cc}/u.test(name)) throw new AppError('invalid_request', 'Enter a name of 1 to 100 characters.', { fields: { name: 'Enter a name of 1 to 100 characters.' } });
      if (!(await renamePasskey(s.db.kysely, auth.user.id, request.params.id, name))) throw new AppError('not_found');
      const passkey = await findUserPasskey(s.db.kysely, auth.user.id, request.params.id);
      if (passkey === undefined) throw new AppError('not_found');
      return { passkey: toPasskeyView(passkey) };
    },
  );

  app.delete(
    '/api/passkeys/:id',
    { preHandler: requireSession, schema: { params: IdParam, body: Type.Object(ReauthFields, { additionalProperties: false }) } },
    async (request, reply) => {
      const { password, passkey } = request.body;
      await removePasskey(s, requireAuth(request), request.params.id, { password, passkey }, metaOf(request));
      return reply.code(204).send();
    },
  );
}
