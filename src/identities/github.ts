import { OauthError, type ExternalProfile } from './outcomes.js';

interface GithubEmail {
  readonly email?: unknown;
  readonly primary?: unknown;
  readonly verified?: unknown;
}

async function getJson(url: string, accessToken: string, timeoutS: number): Promise<unknown> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'Gatehouse' },
    signal: AbortSignal.timeout(timeoutS * 1000),
  });
  if (!response.ok) throw new OauthError('oauth_failed');
  return response.json();
}

/**
 * GitHub is OAuth 2, not OIDC: the user comes from `/user` (its numeric id is the stable subject;
 * the login can be renamed) and the email from `/user/emails`, where only the primary address,
 * verified by GitHub, counts. The public profile email is never trusted.
 */
export async function fetchGithubIdentity(apiUrl: string, accessToken: string, timeoutS: number): Promise<ExternalProfile> {
  const user = (await getJson(`${apiUrl}/user`, accessToken, timeoutS)) as { id?: unknown; name?: unknown; login?: unknown } | null;
  if (user === null || typeof user !== 'object' || (typeof user.id !== 'number' && typeof user.id !== 'string')) throw new OauthError('oauth_failed');
  const emails = await getJson(`${apiUrl}/user/emails`, accessToken, timeoutS);
  const list: GithubEmail[] = Array.isArray(emails) ? (emails as GithubEmail[]) : [];
  const primary = list.find((e) => e.primary === true && e.verified === true && typeof e.email === 'string');
  const name = typeof user.name === 'string' && user.name !== '' ? user.name : typeof user.login === 'string' ? user.login : null;
  return { subject: String(user.id), email: typeof primary?.email === 'string' ? primary.email : null, emailVerified: primary !== undefined, name };
}
