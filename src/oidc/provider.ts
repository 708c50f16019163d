import { hkdfSync } from 'node:crypto';
import Provider, { interactionPolicy, type Account, type Configuration, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import type { Services } from '../services.js';
import { findUserWithOrg } from '../account/users.js';
import { recordEvent } from '../events/security-events.js';
import { kyselyAdapter } from './adapter.js';
import { findClientRow, secretMatches } from './clients.js';
import { consentedScopes, linkGrant, linkedGrantId } from './grants.js';
import type { RequestBridge } from './bridge.js';
import type { KeySet } from './keys.js';
import { errorPage, logoutPage, loggedOutPage } from './pages.js';
import { endGatehouseSession } from './logout.js';

export const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'organization'] as const;
/** Access tokens are opaque and short-lived (the contract's 10 minutes); codes live one minute. */
export const ACCESS_TOKEN_TTL_S = 600;
export const CODE_TTL_S = 60;
export const ID_TOKEN_TTL_S = 3600;

export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  revocation: '/oidc/token/revocation',
  introspection: '/oidc/token/introspection',
} as const;

/** The provider's cookie keys: HKDF of SESSION_SECRET (and the previous one during a rotation), info "gatehouse:oidc-cookies". */
function cookieKeys(s: Services): string[] {
  const derive = (secret: string): string =>
    Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'gatehouse:oidc-cookies', 32)).toString('base64url');
  return [s.config.sessionSecret, ...(s.config.sessionSecretPrevious === undefined ? [] : [s.config.sessionSecretPrevious])].map(derive);
}

async function findAccount(s: Services, id: string): Promise<Account | undefined> {
  const user = await findUserWithOrg(s.db.kysely, id);
  // A disabled or deleted user has no claims and no tokens, whatever the grant says.
  if (user === undefined || user.disabled === 1) return undefined;
  return {
    accountId: user.id,
    claims: () => ({
      sub: user.id,
      email: user.email,
      email_verified: user.email_verified === 1,
      name: user.name,
      ...(user.org_id === null || user.org_name === null || user.org_role === null ? {} : { org: { id: user.org_id, name: user.org_name, role: user.org_role } }),
    }),
  };
}

/**
 * The browser's OIDC session must belong to the same user as its live Gatehouse session: signing out
 * of Gatehouse (or in as someone else) makes the next authorization request sign in again.
 */
function gatehouseSessionCheck(bridge: RequestBridge): interactionPolicy.Check {
  return new interactionPolicy.Check('gatehouse_session', 'The Gatehouse session ended or belongs to another user', 'login_required', async (ctx) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const auth = await bridge.session(ctx.req);
    return auth?.user.id === accountId ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
  });
}

/**
 * Only grants made in this browser's current Gatehouse session are reused. First-party clients get
 * what they ask for without a consent page; others get what the user consented to before.
 */
async function loadExistingGrant(s: Services, bridge: RequestBridge, ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { provider, client, session } = ctx.oidc;
  const fromResult = ctx.oidc.result?.consent?.grantId;
  if (typeof fromResult === 'string') return provider.Grant.find(fromResult);
  const auth = await bridge.session(ctx.req);
  if (client === undefined || session?.accountId === undefined || auth === null || auth.user.id !== session.accountId) return undefined;
  const linked = await linkedGrantId(s.db, auth.sessionId, client.clientId);
  let grant = linked === undefined ? undefined : await provider.Grant.find(linked);
  const row = await findClientRow(s.db, client.clientId);
  if (row === undefined) return grant;
  const requested = [...ctx.oidc.requestParamScopes];
  const allowed = row.first_party === 1 ? new Set(requested) : await consentedScopes(s.db, auth.user.id, client.clientId);
  const had = new Set((grant?.getOIDCScope() ?? '').split(' '));
  const add = requested.filter((x) => allowed.has(x) && !had.has(x));
  const claims = row.first_party === 1 ? [...ctx.oidc.requestParamClaims] : [];
  if (add.length === 0 && claims.length === 0) return grant;
  grant ??= new provider.Grant({ accountId: auth.user.id, clientId: client.clientId });
  grant.addOIDCScope(add);
  if (claims.length > 0) grant.addOIDCClaims(claims);
  const grantId = await grant.save();
  await linkGrant(s.db, { grantId, sessionId: auth.sessionId, userId: auth.user.id, clientId: client.clientId }, s.clock.now());
  return grant;
}

export function buildProvider(s: Services, keys: KeySet, bridge: RequestBridge): Provider {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(gatehouseSessionCheck(bridge), 1);
  const sessionTtlS = Math.floor(s.config.sessionTtlMs / 1000);
  const configuration: Configuration = {
    adapter: kyselyAdapter({ db: s.db, clock: s.clock, sessionIdleMs: s.config.sessionIdleTtlMs }),
    findAccount: (_ctx, id) => findAccount(s, id),
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'], organization: ['org'] },
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code'],
    // PKCE for every client, S256 only (oidc-provider 9 knows no `plain`).
    pkce: { required: () => true },
    // Confidential clients are registered with client_secret_basic, public ones with none. Secret-keyed
    // methods (client_secret_jwt, HS256) would need the secret itself; we keep only its hash.
    clientAuthMethods: ['client_secret_basic', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'] },
    jwks: { keys: keys.keys },
    cookies: { keys: cookieKeys(s), long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: CODE_TTL_S,
      IdToken: ID_TOKEN_TTL_S,
      Interaction: 3600,
      // Nothing outlives the Gatehouse session it came from; these only bound the rows.
      RefreshToken: sessionTtlS,
      Grant: sessionTtlS,
      Session: sessionTtlS,
    },
    rotateRefreshToken: true,
    // Claims of the granted scopes go into the ID token too (oauth2-proxy and many RPs read them there).
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    routes: { ...OIDC_ROUTES },
    interactions: { url: (_ctx, interaction) => `/oidc/interaction/${interaction.uid}`, policy },
    loadExistingGrant: (ctx) => loadExistingGrant(s, bridge, ctx),
    // CORS only for a public (browser) client's own origins, and userinfo for any client's.
    clientBasedCORS: (ctx, origin, client) =>
      origin !== 'null' && (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') && (client.redirectUris ?? []).some((u) => new URL(u).origin === origin),
    features: {
      devInteractions: { enabled: false },
      // A client may revoke or introspect only tokens issued to itself.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      resourceIndicators: { enabled: false },
      clientCredentials: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage(s.config.publicUrl);
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(out, s.config.publicUrl);
    },
  };
  const provider = new Provider(s.config.publicUrl, configuration);
  // mount.ts sets X-Forwarded-* itself from PUBLIC_URL and Fastify's vetted client address.
  provider.proxy = true;
  // Secrets are stored hashed (clients.ts): compare the hash of what the client presents.
  const clientPrototype = provider.Client.prototype as unknown as { compareClientSecret(this: { clientSecret?: string }, actual: string): boolean };
  clientPrototype.compareClientSecret = function compareHashed(actual: string): boolean {
    return typeof this.clientSecret === 'string' && secretMatches(actual, this.clientSecret);
  };

  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error_detail?: string }) => {
    const token = ctx.oidc.entities.RefreshToken;
    if (error.error_detail !== 'refresh token already used' || token?.accountId === undefined) return;
    const accountId = token.accountId;
    // A used refresh token presented again: oidc-provider has revoked the whole family; record it.
    bridge.defer(
      ctx.req,
      findUserWithOrg(s.db.kysely, accountId).then(async (user) => {
        const party = user === undefined ? null : { id: user.id, email: user.email };
        await recordEvent(s.db.kysely, { type: 'oidc_token_reuse', userId: accountId, actor: null, target: party, meta: { ip: ctx.ip, userAgent: ctx.get('user-agent') || null }, at: s.clock.now() });
      }),
    );
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.logout === undefined) return;
    const accountId = ctx.oidc.session?.accountId;
    if (accountId !== undefined) bridge.defer(ctx.req, endGatehouseSession(s, bridge, ctx, accountId));
  });
  // Deferred work (security events, the Gatehouse logout) is done before the response leaves.
  provider.use(async (ctx, next) => {
    await next();
    await bridge.settle(ctx.req);
  });
  return provider;
}
