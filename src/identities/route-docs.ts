import type { RouteDoc } from '../integration/route-doc-types.js';

const CALLBACK_CODES = 'oauth_state, oauth_provider_error, oauth_email_unverified, oauth_account_exists, oauth_identity_taken, oauth_account_inactive, oauth_failed, oauth_unavailable, oauth_rate_limited';

/** OpenAPI descriptions of the external-provider routes (see ROUTE_DOCS). */
export const IDENTITY_ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /api/auth/providers': { tag: 'auth', summary: 'External sign-in providers', responses: { 200: '{providers: [{name, label}]} (the configured ones).' } },
  'GET /api/auth/oauth/:name/start': {
    tag: 'auth',
    summary: 'Start signing in with an external provider',
    description:
      'A browser navigation. 302 to the provider (authorization code, PKCE S256, state and nonce kept server-side and bound to the HttpOnly ' +
      'gh_oauth cookie, 10 minutes, single use). `next`: a path on this site to land on afterwards (anything else becomes `/`).',
    responses: { 302: 'To the provider; or to /sign-in?error=oauth_unavailable when it cannot be reached.', 400: 'invalid_request', 404: 'not_found (no such provider)', 429: 'rate_limited (60 starts per client address per minute)' },
  },
  'GET /api/auth/oauth/:name/callback': {
    tag: 'auth',
    summary: 'The provider redirects back here',
    description:
      'Register `${PUBLIC_URL}/api/auth/oauth/<name>/callback` with the provider. Always a 302: into the web UI with the cookie pair; ' +
      'to /sign-in?mfa=<methods> with the gh_mfa cookie for a user with a second factor; or to /sign-in?error=<code> (a link: /?error=<code>, the profile page) ' +
      `with one of ${CALLBACK_CODES}.`,
    responses: { 302: 'See the description.' },
  },
  'GET /api/identities': { tag: 'profile', summary: 'My linked external identities', auth: 'read', responses: { 200: '{identities: [{id, provider, email, createdAt}]}.' } },
  'GET /api/identities/link-proof': {
    tag: 'profile',
    summary: 'What linking a provider will ask of me',
    description:
      '`password`: the account has a usable password; `passkey`: it has a passkey. With either, linking needs `{password}` or `{passkey}`; ' +
      'with neither (an account made by a provider), linking needs a session signed in within the last 10 minutes.',
    auth: 'read',
    responses: { 200: '{password: boolean, passkey: boolean}.' },
  },
  'POST /api/identities/link/:name': {
    tag: 'profile',
    summary: 'Start linking an external provider to my account (re-authentication required)',
    description:
      'A linked provider is a new, lasting way into the account, so linking re-authenticates like an email change or deletion: `{password}`, or ' +
      '`{passkey}` (an assertion for POST /api/passkeys/reauth/options). An account with no password and no passkey sends no proof; its session must ' +
      'have been signed in within the last 10 minutes instead. Nothing is stored until the proof passes. Returns the provider URL to navigate to; the ' +
      'callback links the identity to this session’s user, emails the user a notice naming the provider, and lands on /?linked=<name> (the profile page; or /?error=<code>).',
    auth: 'write',
    responses: {
      200: '{url}.',
      400: 'invalid_request (no proof, or both a password and a passkey)',
      401: 'invalid_credentials (wrong password or passkey; counted under the login limits)',
      403: 'forbidden while impersonating, or (an account with no password and no passkey) the sign-in is older than 10 minutes',
      404: 'not_found (no such provider)',
      429: 'rate_limited (too many wrong proofs)',
      503: 'unavailable (the provider cannot be reached)',
    },
  },
  'DELETE /api/identities/:id': {
    tag: 'profile',
    summary: 'Unlink an external identity',
    description: 'The user is emailed a notice naming the provider.',
    auth: 'write',
    responses: { 204: 'Unlinked.', 403: 'forbidden while impersonating', 404: 'not_found', 409: 'conflict (it is the account’s last way to sign in)' },
  },
};
