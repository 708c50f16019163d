import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { Type } from 'typebox';
import type { Services } from '../services.js';
import type { TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError, invalidRequest } from '../errors.js';
import type { EventInput } from '../events/security-events.js';
import { randomToken } from '../crypto/random.js';
import { presentedSessionId, startSession } from '../session/issue.js';
import type { AuthMethod } from '../session/sessions.js';
import { toUserView } from '../account/users.js';
import { clearCeremonyCookie, readCeremonyCookie, setCeremonyCookie } from './cookies.js';
import { CHALLENGE_TTL_MS } from './challenges.js';
import { completeSecondFactor, pendingLoginOf, signInWithPasskey, type SecondFactorProof } from './login.js';
import { sendMfaNotice } from './notices.js';
import { listPasskeys } from './passkeys.js';
import { AuthenticationResponse, RecoveryCode, TotpCode } from './schemas.js';
import { authenticationOptions } from './webauthn.js';

/**
 * Passwordless ceremonies started per client address per minute: each stores a challenge, and the
 * sign-in page starts one on every load (passkey autofill), so the bound is generous for a shared
 * address (an office NAT) and still caps what one address can make the database hold.
 */
const PASSKEY_OPTIONS_PER_MINUTE = { name: 'passkey-options-ip', max: 120, windowMs: 60_000 };

function proofOf(body: { code?: string; recoveryCode?: string; passkey?: unknown }): SecondFactorProof {
  const given = [body.code, body.recoveryCode, body.passkey].filter((v) => v !== undefined).length;
  if (given !== 1) throw invalidRequest({ code: 'Send exactly one of code, recoveryCode or passkey.' });
  if (body.code !== undefined) return { kind: 'totp', code: body.code };
  if (body.recoveryCode !== undefined) return { kind: 'recovery_code', code: body.recoveryCode };
  return { kind: 'passkey', response: body.passkey as AuthenticationResponseJSON };
}

export function mfaLoginRoutes(app: TypedApp, s: Services): void {
  app.post(
    '/api/auth/login/mfa',
    {
      schema: {
        body: Type.Object(
          { code: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode), passkey: Type.Optional(AuthenticationResponse) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const proof = proofOf(request.body);
      const meta = metaOf(request);
      const replaceSessionId = await presentedSessionId(s, request);
      let user;
      try {
        const done = await completeSecondFactor(s, readCeremonyCookie(request, s.config, 'mfa'), proof, meta);
        user = done.user;
        const party = { id: user.id, email: user.email };
        const at = s.clock.now();
        const provider = providerOf(done.authMethods);
        const events: EventInput[] = [{ type: 'login_succeeded', userId: user.id, actor: party, target: party, meta, at, ...(provider === undefined ? {} : { provider }) }];
        if (proof.kind === 'recovery_code') events.push({ type: 'recovery_code_used', userId: user.id, actor: party, target: party, meta, at });
        await done.commit((within) => startSession(s, reply, { user: party, meta, replaceSessionId, events, authMethods: done.authMethods, within }));
      } catch (e) {
        // A pending login that is gone stays gone: the browser may as well forget its cookie. After
        // a wrong code it is kept, so the next try continues the same pending login.
        if (e instanceof AppError && e.code === 'unauthenticated') clearCeremonyCookie(reply, s.config, 'mfa');
        throw e;
      }
      clearCeremonyCookie(reply, s.config, 'mfa');
      if (proof.kind === 'recovery_code') sendMfaNotice(s, user.email, 'recovery_code_used');
      return { user: toUserView(user) };
    },
  );

  app.post('/api/auth/login/mfa/options', async (request) => {
    const { pending, user } = await pendingLoginOf(s, readCeremonyCookie(request, s.config, 'mfa'));
    const passkeys = await listPasskeys(s.db.kysely, user.id);
    if (passkeys.length === 0) throw new AppError('conflict', 'This account has no passkey.');
    return authenticationOptions(s.db.kysely, s.config, passkeys, { purpose: 'mfa', boundTo: pending.id, userId: user.id }, s.clock.now());
  });

  app.post('/api/auth/passkey/options', async (request, reply) => {
    await s.limiter.consume(PASSKEY_OPTIONS_PER_MINUTE, request.ip);
    // The challenge is bound to this browser by an HttpOnly cookie: an assertion made for a page
    // someone else opened (a phishing relay) does not verify in this browser.
    const browserId = randomToken();
    const options = await authenticationOptions(s.db.kysely, s.config, [], { purpose: 'passwordless', boundTo: browserId, userId: null }, s.clock.now());
    setCeremonyCookie(reply, s.config, 'webauthn', browserId, CHALLENGE_TTL_MS);
    return options;
  });

  app.post(
    '/api/auth/passkey',
    { schema: { body: Type.Object({ response: AuthenticationResponse }, { additionalProperties: false }) } },
    async (request, reply) => {
      const meta = metaOf(request);
      const browserId = readCeremonyCookie(request, s.config, 'webauthn');
      clearCeremonyCookie(reply, s.config, 'webauthn');
      const user = await signInWithPasskey(s, browserId, request.body.response, meta);
      const party = { id: user.id, email: user.email };
      const at = s.clock.now();
      await startSession(s, reply, {
        user: party,
        meta,
        replaceSessionId: await presentedSessionId(s, request),
        authMethods: ['passkey'],
        events: [
          { type: 'login_succeeded', userId: user.id, actor: party, target: party, meta, at },
          { type: 'passkey_login', userId: user.id, actor: party, target: party, meta, at },
        ],
      });
      return { user: toUserView(user) };
    },
  );
}

/** The external provider whose sign-in this second factor completes, if the first step was one. */
function providerOf(methods: readonly AuthMethod[]): string | undefined {
  const first = methods.find((m) => m.startsWith('provider:'));
  return first?.slice('provider:'.length);
}
