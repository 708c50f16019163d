import { Type } from 'typebox';
import type { Services } from '../services.js';
import { IdParam, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { requireAuth, sessionGuard } from '../session/authenticate.js';
import { ProviderClients } from './clients.js';
import { OauthError } from './outcomes.js';
import { createState, safeNext, setStateCookie } from './states.js';
import { listIdentities, unlinkIdentity } from './accounts.js';
import { handleCallback } from './callback.js';
import { ReauthFields } from '../mfa/schemas.js';
import { accountProofs, requireLinkProof } from './link-proof.js';

/**
 * Each start stores a state row until it is used or expires (10 minutes): a bound per client address
 * keeps an anonymous loop from filling the table, and is far above what a person clicking needs.
 */
const STARTS_PER_MINUTE = { name: 'oauth-start-ip', max: 60, windowMs: 60_000 };

const ProviderParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_]*$' }) }, { additionalProperties: false });

/** Sign in with another provider, and linked identities (the contract's "Sign in with another provider"). */
export function identityRoutes(app: TypedApp, s: Services): void {
  // Per app: each app instance discovers and caches its providers' configurations itself.
  const clients = new ProviderClients(s.config);
  const requireSession = sessionGuard(s);

  app.get('/api/auth/providers', () => ({ providers: s.config.providers.map((p) => ({ name: p.name, label: p.label })) }));

  app.get(
    '/api/auth/oauth/:name/start',
    { schema: { params: ProviderParam, querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const provider = clients.provider(request.params.name);
      if (provider === undefined) throw new AppError('not_found');
      await s.limiter.consume(STARTS_PER_MINUTE, request.ip);
      const next = safeNext(request.query.next, s.config.publicOrigin);
      const row = await createState(s.db.kysely, { provider: provider.name, next, mode: 'signin', userId: null, sessionId: null }, s.clock.now());
      try {
        const url = await clients.authorizationUrl(provider, { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier });
        setStateCookie(reply, s.config, row.id);
        return await reply.redirect(url.href, 302);
      } catch (e) {
        if (!(e instanceof OauthError)) throw e;
        request.log.warn({ provider: provider.name, code: e.code }, 'external sign-in could not start');
        return reply.redirect(`/sign-in?error=${e.code}`, 302);
      }
    },
  );

  app.get('/api/auth/oauth/:name/callback', { schema: { params: ProviderParam } }, async (request, reply) => {
    const target = await handleCallback(s, clients, request, reply, request.params.name);
    return reply.redirect(target, 302);
  });

  app.get('/api/identities', { preHandler: requireSession }, async (request) => {
    const auth = requireAuth(request);
    const rows = await listIdentities(s, auth.user.id);
    return { identities: rows.map((r) => ({ id: r.id, provider: r.provider, email: r.email, createdAt: new Date(r.created_at).toISOString() })) };
  });

  /** What linking will ask of this account: re-authentication, or (with neither) a recent sign-in. */
  app.get('/api/identities/link-proof', { preHandler: requireSession }, async (request) => {
    const auth = requireAuth(request);
    return accountProofs(s, auth.user.id);
  });

  /**
   * Linking starts with an authenticated, CSRF-checked POST (a GET could be triggered by any site);
   * the browser then navigates to the returned provider URL. The state row remembers this session.
   * The proof comes before anything is stored: a refused attempt leaves no state row and no cookie.
   */
  app.post(
    '/api/identities/link/:name',
    // preValidation: a stranger gets 401 before the body is looked at.
    { preValidation: requireSession, schema: { params: ProviderParam, body: Type.Object(ReauthFields, { additionalProperties: false }) } },
    async (request, reply) => {
      const auth = requireAuth(request);
      if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
      const provider = clients.provider(request.params.name);
      if (provider === undefined) throw new AppError('not_found');
      const { password, passkey } = request.body;
      await requireLinkProof(s, auth, { password, passkey: passkey }, metaOf(request));
      const row = await createState(s.db.kysely, { provider: provider.name, next: '/', mode: 'link', userId: auth.user.id, sessionId: auth.sessionId }, s.clock.now());
      try {
        const url = await clients.authorizationUrl(provider, { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier });
        setStateCookie(reply, s.config, row.id);
        return { url: url.href };
      } catch (e) {
        if (!(e instanceof OauthError)) throw e;
        throw new AppError('unavailable', 'The provider cannot be reached. Try again later.');
      }
    },
  );

  app.delete('/api/identities/:id', { preHandler: requireSession, schema: { params: IdParam } }, async (request, reply) => {
    const auth = requireAuth(request);
    if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
    await unlinkIdentity(s, auth.user.id, request.params.id, metaOf(request));
    return reply.code(204).send();
  });
}
