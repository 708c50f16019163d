import type { Environment } from '../config.js';
import type { Finding } from '../doctor.js';
import { parseProviders, type OidcProviderConfig } from './provider-config.js';

const TIMEOUT_MS = 5000;
const REQUIRED = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;

function httpsProblem(url: unknown): boolean {
  if (typeof url !== 'string') return true;
  try {
    return new URL(url).protocol !== 'https:';
  } catch {
    return true;
  }
}

async function fetchDiscovery(issuer: string, fetchImpl: typeof fetch): Promise<Record<string, unknown> | string> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  } catch {
    return `cannot fetch ${url} (unreachable, refused or slower than ${String(TIMEOUT_MS / 1000)} s)`;
  }
  if (!response.ok) return `${url} answered HTTP ${String(response.status)}`;
  try {
    const body: unknown = await response.json();
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return `${url} is not a JSON object`;
    return body as Record<string, unknown>;
  } catch {
    return `${url} is not JSON`;
  }
}

/** The discovery document of one OIDC provider, checked the way openid-client will use it. */
async function checkOidc(p: OidcProviderConfig, fetchImpl: typeof fetch): Promise<Finding[]> {
  const subject = `OIDC_${p.name.toUpperCase()}_ISSUER`;
  const doc = await fetchDiscovery(p.issuer, fetchImpl);
  if (typeof doc === 'string') return [{ severity: 'error', subject, message: `provider "${p.name}": ${doc}` }];
  const findings: Finding[] = [];
  const issuer = typeof doc.issuer === 'string' ? doc.issuer.replace(/\/+$/, '') : undefined;
  // A mismatch makes every sign-in fail (openid-client refuses it); for Entra the tenant must be in the issuer.
  if (issuer !== p.issuer) findings.push({ severity: 'error', subject, message: `provider "${p.name}": the discovery document names issuer ${JSON.stringify(doc.issuer)}, not ${p.issuer}` });
  for (const key of REQUIRED) {
    if (typeof doc[key] !== 'string') findings.push({ severity: 'error', subject, message: `provider "${p.name}": the discovery document has no ${key}` });
    else if (httpsProblem(doc[key])) findings.push({ severity: 'error', subject, message: `provider "${p.name}": ${key} is not https` });
  }
  const responseTypes = doc.response_types_supported;
  if (Array.isArray(responseTypes) && !responseTypes.includes('code')) findings.push({ severity: 'error', subject, message: `provider "${p.name}": the authorization code flow is not supported` });
  const pkce = doc.code_challenge_methods_supported;
  if (Array.isArray(pkce) && !pkce.includes('S256')) findings.push({ severity: 'warning', subject, message: `provider "${p.name}": PKCE S256 is not advertised` });
  if (findings.length === 0) findings.push({ severity: 'info', subject, message: `provider "${p.name}": discovery document OK` });
  return findings;
}

/**
 * `doctor`: each configured provider's discovery document (GitHub has none: its endpoints are
 * checked for https by the configuration itself), and the redirect URI to register with each.
 */
export async function providerChecks(env: Environment, fetchImpl: typeof fetch = fetch): Promise<Finding[]> {
  // Configuration problems (missing variables, http issuers) are already reported by the boot checks.
  const providers = parseProviders(env, true, []);
  const publicUrl = (env.PUBLIC_URL ?? '').trim().replace(/\/+$/, '');
  const findings: Finding[] = [];
  for (const p of providers) {
    if (p.kind === 'oidc') findings.push(...(await checkOidc(p, fetchImpl)));
    if (publicUrl !== '') findings.push({ severity: 'info', subject: p.kind === 'github' ? 'GITHUB_CLIENT_ID' : `OIDC_${p.name.toUpperCase()}_CLIENT_ID`, message: `provider "${p.name}": register the redirect URI ${publicUrl}/api/auth/oauth/${p.name}/callback` });
  }
  return findings;
}
