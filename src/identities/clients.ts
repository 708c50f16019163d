import * as oidc from 'openid-client';
import type { Config } from '../config.js';
import { insecureAllowed, type GithubProviderConfig, type ProviderConfig } from './provider-config.js';
import { fetchGithubIdentity } from './github.js';
import { OauthError, type ExternalProfile } from './outcomes.js';

/** Seconds any one request to a provider may take: a provider that hangs is a provider that is down. */
const PROVIDER_TIMEOUT_S = 10;

export interface AuthorizationRequest {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Network failures and timeouts (the provider is down) versus everything else (a bad answer). */
function isUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 6; cur = cur.cause, depth += 1) {
    if (cur.name === 'AbortError' || cur.name === 'TimeoutError') return true;
    if (cur instanceof TypeError && /fetch failed/i.test(cur.message)) return true;
    if ('code' in cur && typeof cur.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|UND_ERR_)/.test(cur.code)) return true;
  }
  return false;
}

export function classify(e: unknown): OauthError {
  if (e instanceof OauthError) return e;
  return new OauthError(isUnavailable(e) ? 'oauth_unavailable' : 'oauth_failed', e);
}

function githubConfiguration(p: GithubProviderConfig, production: boolean): oidc.Configuration {
  // GitHub is OAuth 2 without discovery: its endpoints are fixed (or GitHub Enterprise's).
  const config = new oidc.Configuration(
    { issuer: new URL(p.authorizeUrl).origin, authorization_endpoint: p.authorizeUrl, token_endpoint: p.tokenUrl },
    p.clientId,
    undefined,
    oidc.ClientSecretPost(p.clientSecret),
  );
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- http only for a loopback test stand-in outside production (see insecureAllowed)
  if (insecureAllowed(p.authorizeUrl, production)) oidc.allowInsecureRequests(config);
  config.timeout = PROVIDER_TIMEOUT_S;
  return config;
}

async function discover(p: Extract<ProviderConfig, { kind: 'oidc' }>, production: boolean): Promise<oidc.Configuration> {
  // Plain http only for a loopback test IdP outside production (the config refuses it otherwise).
  // ID token signatures are checked against the provider's JWKS as well: openid-client would
  // otherwise rely on TLS alone for tokens from the token endpoint, and a wrong signature must fail.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- http only for a loopback test IdP outside production (see insecureAllowed)
  const execute = [oidc.enableNonRepudiationChecks, ...(insecureAllowed(p.issuer, production) ? [oidc.allowInsecureRequests] : [])];
  const config = await oidc.discovery(new URL(p.issuer), p.clientId, undefined, oidc.ClientSecretPost(p.clientSecret), { execute, timeout: PROVIDER_TIMEOUT_S });
  config.timeout = PROVIDER_TIMEOUT_S;
  return config;
}

/**
 * The providers of one app, with each one's discovered configuration cached (per app, never in a
 * module-level singleton). A failed discovery is not cached: the next sign-in tries again.
 */
export class ProviderClients {
  private readonly configs = new Map<string, Promise<oidc.Configuration>>();

  constructor(private readonly config: Config) {}

  provider(name: string): ProviderConfig | undefined {
    return this.config.providers.find((p) => p.name === name);
  }

  callbackUrl(name: string): string {
    return `${this.config.publicUrl}/api/auth/oauth/${name}/callback`;
  }

  private configuration(p: ProviderConfig): Promise<oidc.Configuration> {
    const cached = this.configs.get(p.name);
    if (cached !== undefined) return cached;
    const made = p.kind === 'github' ? Promise.resolve(githubConfiguration(p, this.config.production)) : discover(p, this.config.production);
    this.configs.set(p.name, made);
    made.catch(() => this.configs.delete(p.name));
    return made;
  }

  async authorizationUrl(p: ProviderConfig, req: AuthorizationRequest): Promise<URL> {
    try {
      const config = await this.configuration(p);
      const params: Record<string, string> = {
        redirect_uri: this.callbackUrl(p.name),
        scope: p.kind === 'github' ? 'read:user user:email' : 'openid email profile',
        state: req.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(req.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (p.kind === 'oidc') params.nonce = req.nonce;
      return oidc.buildAuthorizationUrl(config, params);
    } catch (e) {
      throw classify(e);
    }
  }

  /**
   * Redeems the code (PKCE verifier, expected state and, for OIDC, nonce; the ID token's signature,
   * `iss`, `aud`, `exp` are checked by openid-client) and returns who the user is at the provider.
   */
  async complete(p: ProviderConfig, callback: URL, req: AuthorizationRequest): Promise<ExternalProfile> {
    try {
      const config = await this.configuration(p);
      if (p.kind === 'github') {
        const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: req.codeVerifier, expectedState: req.state });
        return await fetchGithubIdentity(p.apiUrl, tokens.access_token, PROVIDER_TIMEOUT_S);
      }
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: req.codeVerifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new OauthError('oauth_failed');
      let source: Record<string, unknown> = claims;
      // Some providers keep the email out of the ID token: then ask userinfo (bound to the same subject).
      if (typeof claims.email !== 'string') source = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      return {
        subject: claims.sub,
        email: typeof source.email === 'string' ? source.email : null,
        // Only an explicit `true` counts: a missing or "maybe" verification is unverified.
        emailVerified: source.email_verified === true,
        name: typeof source.name === 'string' ? source.name : null,
      };
    } catch (e) {
      throw classify(e);
    }
  }
}
