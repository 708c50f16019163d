import type { Environment } from '../config.js';

/**
 * External sign-in providers, parsed from the environment handed to loadConfig (this module never
 * reads process.env itself). OIDC providers are named by OIDC_PROVIDERS; GitHub (OAuth 2, not OIDC)
 * is on when GITHUB_CLIENT_ID is set.
 */
export interface OidcProviderConfig {
  readonly kind: 'oidc';
  readonly name: string;
  readonly label: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface GithubProviderConfig {
  readonly kind: 'github';
  readonly name: 'github';
  readonly label: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://github.com in real life; overridable for GitHub Enterprise Server and for tests. */
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly apiUrl: string;
}

export type ProviderConfig = OidcProviderConfig | GithubProviderConfig;

const NAME = /^[a-z][a-z0-9_]{0,31}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** http is tolerated only for a loopback host outside production (a test IdP); everything else is https. */
export function insecureAllowed(url: string, production: boolean): boolean {
  const u = new URL(url);
  return !production && u.protocol === 'http:' && LOOPBACK.has(u.hostname);
}

function checkUrl(name: string, value: string, production: boolean, problems: string[]): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute https URL`);
    return;
  }
  if (u.protocol === 'https:') return;
  // Tokens and codes over plain http can be read and replaced on the way: only a local test IdP may.
  if (u.protocol !== 'http:' || !insecureAllowed(value, production)) problems.push(`${name} must be an https URL (http only for 127.0.0.1 outside production)`);
}

function read(env: Environment, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function oidcProvider(env: Environment, name: string, production: boolean, problems: string[]): OidcProviderConfig | undefined {
  const prefix = `OIDC_${name.toUpperCase()}_`;
  const issuer = read(env, `${prefix}ISSUER`);
  const clientId = read(env, `${prefix}CLIENT_ID`);
  const clientSecret = read(env, `${prefix}CLIENT_SECRET`);
  const missing = [['ISSUER', issuer], ['CLIENT_ID', clientId], ['CLIENT_SECRET', clientSecret]].filter(([, v]) => v === undefined).map(([k]) => `${prefix}${String(k)}`);
  if (missing.length > 0 || issuer === undefined || clientId === undefined || clientSecret === undefined) {
    problems.push(`OIDC provider "${name}" needs ${missing.join(', ')}`);
    return undefined;
  }
  checkUrl(`${prefix}ISSUER`, issuer, production, problems);
  const label = read(env, `${prefix}LABEL`) ?? name.charAt(0).toUpperCase() + name.slice(1);
  return { kind: 'oidc', name, label, issuer: issuer.replace(/\/+$/, ''), clientId, clientSecret };
}

function githubProvider(env: Environment, production: boolean, problems: string[]): GithubProviderConfig | undefined {
  const clientId = read(env, 'GITHUB_CLIENT_ID');
  if (clientId === undefined) return undefined;
  const clientSecret = read(env, 'GITHUB_CLIENT_SECRET');
  if (clientSecret === undefined) {
    problems.push('GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is missing');
    return undefined;
  }
  const authorizeUrl = (read(env, 'GITHUB_AUTHORIZE_URL') ?? 'https://github.com/login/oauth/authorize').replace(/\/+$/, '');
  const tokenUrl = (read(env, 'GITHUB_TOKEN_URL') ?? 'https://github.com/login/oauth/access_token').replace(/\/+$/, '');
  const apiUrl = (read(env, 'GITHUB_API_URL') ?? 'https://api.github.com').replace(/\/+$/, '');
  checkUrl('GITHUB_AUTHORIZE_URL', authorizeUrl, production, problems);
  checkUrl('GITHUB_TOKEN_URL', tokenUrl, production, problems);
  checkUrl('GITHUB_API_URL', apiUrl, production, problems);
  return { kind: 'github', name: 'github', label: read(env, 'GITHUB_LABEL') ?? 'GitHub', clientId, clientSecret, authorizeUrl, tokenUrl, apiUrl };
}

export function parseProviders(env: Environment, production: boolean, problems: string[]): readonly ProviderConfig[] {
  const providers: ProviderConfig[] = [];
  const names = (read(env, 'OIDC_PROVIDERS') ?? '').split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  for (const name of names) {
    if (!NAME.test(name)) {
      problems.push(`OIDC_PROVIDERS: "${name}" must be a lowercase name of letters, digits and _`);
    } else if (name === 'github') {
      problems.push('OIDC_PROVIDERS: github is not OIDC; set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET instead');
    } else if (providers.some((p) => p.name === name)) {
      problems.push(`OIDC_PROVIDERS names "${name}" twice`);
    } else {
      const p = oidcProvider(env, name, production, problems);
      if (p !== undefined) providers.push(Object.freeze(p));
    }
  }
  const github = githubProvider(env, production, problems);
  if (github !== undefined) providers.push(Object.freeze(github));
  return Object.freeze(providers);
}
