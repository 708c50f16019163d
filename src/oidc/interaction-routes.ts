import { Type } from 'typebox';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import { Id, type TypedApp } from '../http/typed.js';
import { metaOf } from '../http/request-meta.js';
import { AppError } from '../errors.js';
import { recordEvent } from '../events/security-events.js';
import { checkSession, readCheckInput, requireAuth, sessionGuard, type AuthContext } from '../session/authenticate.js';
import { findClientRow } from './clients.js';
import { appsBySession, linkGrant, listConsents, rememberConsent, splitScopes, withdrawConsent } from './grants.js';
import { oidcDb } from './tables.js';
import { amrOf } from './amr.js';
import type { ProviderHolder } from './mount.js';

const UidParam = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
const ClientIdParam = Type.Object({ clientId: Id }, { additionalProperties: false });

const EXPIRED = 'This sign-in request has expired or is unknown. Go back to the app and start again.';

type Interaction = InstanceType<Provider['Interaction']>;

/** oidc-provider's clock is the system's; ours may be injected. Times handed to it are converted. */
function providerNowS(): number {
  return Math.floor(Date.now() / 1000);
}

async function interactionStartedAt(s: Services, uid: string): Promise<number> {
  const row = await oidcDb(s.db).selectFrom('oidc_models').select('created_at').where('kind', '=', 'Interaction').where('id', '=', uid).executeTakeFirst();
  return row?.created_at ?? 0;
}

/**
 * `prompt=login` needs a Gatehouse sign-in made after the request began; `max_age` one made within
 * that many seconds. Otherwise the page sends the user through sign-in again (second factor included).
 */
async function freshLoginMissing(s: Services, interaction: Interaction, auth: AuthContext | null): Promise<boolean> {
  if (interaction.prompt.name !== 'login') return false;
  // No Gatehouse session at all: the page signs in first.
  if (auth === null) return true; // eslint-disable-line security/detect-possible-timing-attacks -- a null check, no secret compared
  const reasons = interaction.prompt.reasons;
  if (reasons.includes('login_prompt') && auth.session.createdAt < (await interactionStartedAt(s, interaction.uid))) return true;
  const maxAge = interaction.params.max_age;
  if (reasons.includes('max_age') && maxAge !== undefined && s.clock.now() - auth.session.createdAt > Number(maxAge) * 1000) return true;
  return false;
}

export function oidcInteractionRoutes(app: TypedApp, s: Services, holder: ProviderHolder): void {
  const requireSession = sessionGuard(s);

  async function load(uid: string): Promise<Interaction> {
    const provider = await holder.current();
    const interaction = await provider.Interaction.find(uid);
    if (interaction === undefined) throw new AppError('not_found', EXPIRED);
    return interaction;
  }

  async function finish(interaction: Interaction, result: Record<string, unknown>): Promise<{ redirectTo: string }> {
    interaction.result = { ...interaction.lastSubmission, ...result };
    await interaction.save(Math.max(1, interaction.exp - providerNowS()));
    return { redirectTo: interaction.returnTo };
  }

  function actingUser(request: Parameters<typeof requireAuth>[0]): AuthContext {
    const auth = requireAuth(request);
    // An admin impersonating a user must not sign in to other apps as that user.
    if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
    return auth;
  }

  app.get('/api/oidc/interaction/:uid', { schema: { params: UidParam } }, async (request) => {
    const interaction = await load(request.params.uid);
    const client = await findClientRow(s.db, String(interaction.params.client_id));
    if (client === undefined) throw new AppError('not_found', EXPIRED);
    const check = await checkSession(s, readCheckInput(s, request, 'GET'));
    const auth = check.ok && check.auth.impersonator === null ? check.auth : null;
    const details = interaction.prompt.details as { missingOIDCScope?: string[] };
    return {
      uid: interaction.uid,
      prompt: interaction.prompt.name,
      freshLoginRequired: await freshLoginMissing(s, interaction, auth),
      client: { id: client.id, name: client.name, firstParty: client.first_party === 1 },
      scopes: splitScopes(typeof interaction.params.scope === 'string' ? interaction.params.scope : ''),
      missingScopes: details.missingOIDCScope ?? [],
      user: auth === null ? null : { id: auth.user.id, email: auth.user.email, name: auth.user.name },
    };
  });

  app.post('/api/oidc/interaction/:uid/login', { preHandler: requireSession, schema: { params: UidParam } }, async (request) => {
    const auth = actingUser(request);
    const interaction = await load(request.params.uid);
    if (interaction.prompt.name !== 'login') throw new AppError('conflict', 'This step is not a sign-in.');
    if (await freshLoginMissing(s, interaction, auth)) throw new AppError('conflict', 'This app asks you to sign in again.');
    // auth_time is when the user signed in to Gatehouse, expressed in the provider's time base.
    const ageS = Math.floor((s.clock.now() - auth.session.createdAt) / 1000);
    return finish(interaction, { login: { accountId: auth.user.id, ts: providerNowS() - ageS, amr: amrOf(auth.authMethods) } });
  });

  app.post(
    '/api/oidc/interaction/:uid/consent',
    { preHandler: requireSession, schema: { params: UidParam, body: Type.Object({ approve: Type.Boolean() }, { additionalProperties: false }) } },
    async (request) => {
      const auth = actingUser(request);
      const interaction = await load(request.params.uid);
      if (interaction.prompt.name !== 'consent') throw new AppError('conflict', 'This step is not a consent.');
      // The consent is the signed-in user's own, for the sign-in this request is about.
      if (interaction.session?.accountId !== auth.user.id) throw new AppError('forbidden', 'Signed in as another user. Go back to the app and start again.');
      const clientId = String(interaction.params.client_id);
      if (!request.body.approve) return finish(interaction, { error: 'access_denied', error_description: 'The user did not allow access.' });
      const provider = await holder.current();
      const existing = interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
      const grant = existing ?? new provider.Grant({ accountId: auth.user.id, clientId });
      const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (details.missingOIDCScope !== undefined) grant.addOIDCScope(details.missingOIDCScope);
      if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims);
      const grantId = await grant.save();
      const now = s.clock.now();
      await linkGrant(s.db, { grantId, sessionId: auth.sessionId, userId: auth.user.id, clientId }, now);
      await rememberConsent(s.db, auth.user.id, clientId, splitScopes(grant.getOIDCScope()), now);
      const party = { id: auth.user.id, email: auth.user.email };
      await recordEvent(s.db.kysely, { type: 'oidc_consent_granted', userId: auth.user.id, actor: party, target: party, meta: metaOf(request), at: now });
      return finish(interaction, { consent: { grantId } });
    },
  );

  app.get('/api/oidc/consents', { preHandler: requireSession }, async (request) => ({ consents: await listConsents(s.db, requireAuth(request).user.id) }));

  app.delete('/api/oidc/consents/:clientId', { preHandler: requireSession, schema: { params: ClientIdParam } }, async (request, reply) => {
    const auth = actingUser(request);
    if (!(await withdrawConsent(s.db, auth.user.id, request.params.clientId))) throw new AppError('not_found');
    const party = { id: auth.user.id, email: auth.user.email };
    await recordEvent(s.db.kysely, { type: 'oidc_consent_revoked', userId: auth.user.id, actor: party, target: party, meta: metaOf(request), at: s.clock.now() });
    return reply.code(204).send();
  });

  /** For the devices page: the apps signed in through each session. */
  app.get('/api/oidc/apps', { preHandler: requireSession }, async (request) => ({ sessions: await appsBySession(s.db, requireAuth(request).user.id) }));
}
